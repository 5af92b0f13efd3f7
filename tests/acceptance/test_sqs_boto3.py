"""boto3's SQS client against `paybus up`, as an application would use it.

boto3 itself does not check the MD5s SQS returns (the Java and .NET SDKs do), so these tests
check them with an independent implementation of SQS's documented digest.
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from paybus_process import ACCOUNT, REGION, Server

Client = Any  # boto3's generated client has no static type here


def md5_of_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    """SQS Developer Guide, "Calculating the MD5 message digest for message attributes"."""
    buffer = b""
    for name in sorted(attributes):
        value = attributes[name]
        binary = "BinaryValue" in value
        payload = value["BinaryValue"] if binary else value["StringValue"].encode()
        for part in (name.encode(), value["DataType"].encode()):
            buffer += struct.pack(">I", len(part)) + part
        buffer += (b"\x02" if binary else b"\x01") + struct.pack(">I", len(payload)) + payload
    return hashlib.md5(buffer).hexdigest()


def receive_all(sqs: Client, url: str, count: int, **kwargs: Any) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while len(messages) < count:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **kwargs
        ).get("Messages", [])
        assert got, f"only {len(messages)} of {count} messages arrived"
        messages += got
    return messages


def counts(sqs: Client, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def test_queue_urls_name_the_served_port_and_work_when_fed_back(
    sqs: Client, server: Server, name: str
) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{server.url}/{ACCOUNT}/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url, "same attributes: same queue"
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "5"})
    fifo = sqs.create_queue(
        QueueName=f"{name}.fifo", Attributes={"FifoQueue": "true"}, tags={"team": "payments"}
    )["QueueUrl"]
    listed = sqs.list_queues(QueueNamePrefix=name)["QueueUrls"]
    assert listed == [url, fifo]
    arn = sqs.get_queue_attributes(QueueUrl=fifo, AttributeNames=["QueueArn"])["Attributes"]
    assert arn == {"QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}.fifo"}
    assert sqs.list_queue_tags(QueueUrl=fifo)["Tags"] == {"team": "payments"}
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=name)


def test_send_receive_delete_with_attributes_and_digests(sqs: Client, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    body = '{"type": "invoice.paid", "amount": 4200, "note": "café ✓"}'
    attributes = {
        "tenant": {"DataType": "String", "StringValue": "acme"},
        "amount": {"DataType": "Number.int", "StringValue": "4200"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)

    (message,) = sqs.receive_message(
        QueueUrl=url,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
    )["Messages"]
    assert message["MessageId"] == sent["MessageId"] and message["Body"] == body
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert set(message["Attributes"]) == {"ApproximateReceiveCount", "SentTimestamp"}
    assert abs(int(message["Attributes"]["SentTimestamp"]) - time.time() * 1000) < 60_000

    assert counts(sqs, url) == (0, 1)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert counts(sqs, url) == (0, 0)


def test_only_the_message_attributes_asked_for_come_back(sqs: Client, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    attributes = {
        "trace.id": {"DataType": "String", "StringValue": "t-1"},
        "tenant": {"DataType": "String", "StringValue": "acme"},
    }
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    (message,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["trace.*"])["Messages"]
    assert message["MessageAttributes"] == {"trace.id": attributes["trace.id"]}
    assert message["MD5OfMessageAttributes"] == md5_of_attributes(message["MessageAttributes"])


def test_batches_send_receive_and_delete_with_per_entry_failures(sqs: Client, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    entries = [{"Id": f"m{i}", "MessageBody": f"body {i}"} for i in range(9)]
    entries.append({"Id": "bad", "MessageBody": "bell \x07"})
    sent = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert sorted(s["Id"] for s in sent["Successful"]) == sorted(f"m{i}" for i in range(9))
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in sent["Failed"]] == [
        ("bad", "InvalidMessageContents", True)
    ]
    for entry in sent["Successful"]:
        body = f"body {entry['Id'][1:]}"
        assert entry["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()

    messages = receive_all(sqs, url, 9)
    assert sorted(m["Body"] for m in messages) == sorted(f"body {i}" for i in range(9))
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
        ]
        + [{"Id": "forged", "ReceiptHandle": "not-a-handle"}],
    )
    assert len(deleted["Successful"]) == 9
    assert [(f["Id"], f["Code"]) for f in deleted["Failed"]] == [
        ("forged", "ReceiptHandleIsInvalid")
    ]
    assert counts(sqs, url) == (0, 0)


def test_fifo_keeps_group_order_and_drops_duplicates(sqs: Client, name: str) -> None:
    url = sqs.create_queue(
        QueueName=f"{name}.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    first = sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="cus_1")
    again = sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="cus_1")
    assert again["MessageId"] == first["MessageId"], "a duplicate within 5 minutes is accepted"
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "b", "MessageBody": "two", "MessageGroupId": "cus_1"},
            {"Id": "c", "MessageBody": "three", "MessageGroupId": "cus_1"},
        ],
    )
    (head,) = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    assert head["Body"] == "one" and head["Attributes"]["MessageGroupId"] == "cus_1"
    assert int(head["Attributes"]["SequenceNumber"]) == int(first["SequenceNumber"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url), "the group waits for 'one'"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=head["ReceiptHandle"])
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in rest] == ["two", "three"]
    with pytest.raises(sqs.exceptions.ClientError, match="MessageGroupId"):
        sqs.send_message(QueueUrl=url, MessageBody="no group")


def test_visibility_hides_and_change_visibility_returns_messages(sqs: Client, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": i, "MessageBody": i} for i in ("a", "b")])
    taken = receive_all(sqs, url, 2, VisibilityTimeout=300)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)

    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=taken[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    (back,) = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
    )["Messages"]
    assert back["MessageId"] == taken[0]["MessageId"]
    assert back["Attributes"]["ApproximateReceiveCount"] == "2"

    changed = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "x", "ReceiptHandle": taken[1]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "y", "ReceiptHandle": back["ReceiptHandle"], "VisibilityTimeout": 99_999},
        ],
    )
    assert [s["Id"] for s in changed["Successful"]] == ["x"]
    assert [(f["Id"], f["Code"]) for f in changed["Failed"]] == [("y", "InvalidParameterValue")]
    (again,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert again["MessageId"] == taken[1]["MessageId"]


def test_long_poll_returns_as_soon_as_a_message_is_sent(
    sqs: Client, server: Server, name: str
) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    result: dict[str, Any] = {}
    polling = threading.Event()

    def poll() -> None:
        polling.set()
        started = time.monotonic()
        result["response"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        result["elapsed"] = time.monotonic() - started

    receiver = threading.Thread(target=poll)
    receiver.start()
    polling.wait()
    time.sleep(0.5)  # let the receive reach the server and park (nothing to await across HTTP)
    sqs.send_message(QueueUrl=url, MessageBody="wake up")
    receiver.join(timeout=25)
    assert [m["Body"] for m in result["response"]["Messages"]] == ["wake up"]
    # the server re-checks the store only every 10 s here: returning sooner means it was woken
    assert 0.4 < result["elapsed"] < 5


def test_empty_long_poll_waits_the_full_time(sqs: Client, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 < time.monotonic() - started < 5


def wait_until(check: Callable[[], bool], timeout: float = 10) -> None:
    """Poll the server (another process, nothing to await) until `check` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def test_redrive_to_dead_letter_queue_and_move_back(sqs: Client, name: str) -> None:
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    source = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.send_message(QueueUrl=source, MessageBody="poison")

    for receive in (1, 2):
        (message,) = sqs.receive_message(
            QueueUrl=source, VisibilityTimeout=0, AttributeNames=["ApproximateReceiveCount"]
        )["Messages"]
        assert message["Attributes"]["ApproximateReceiveCount"] == str(receive)
    assert "Messages" not in sqs.receive_message(QueueUrl=source), "a third receive moves it"
    (dead,) = sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0, AttributeNames=["All"])[
        "Messages"
    ]
    assert dead["Body"] == "poison"
    assert dead["Attributes"]["DeadLetterQueueSourceArn"].endswith(f":{name}")
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [source]

    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]

    def completed() -> bool:
        (task,) = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        return bool(task["Status"] == "COMPLETED")

    wait_until(completed)
    (task,) = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["ApproximateNumberOfMessagesMoved"] == 1 and "TaskHandle" not in task
    assert handle
    (returned,) = sqs.receive_message(QueueUrl=source, AttributeNames=["ApproximateReceiveCount"])[
        "Messages"
    ]
    assert returned["Body"] == "poison"
    assert returned["Attributes"]["ApproximateReceiveCount"] == "1"


def test_purge_empties_the_queue_once_a_minute(sqs: Client, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(5)]
    )
    assert counts(sqs, url) == (5, 0)
    sqs.purge_queue(QueueUrl=url)
    assert counts(sqs, url) == (0, 0)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=url)


def test_get_and_set_queue_attributes(sqs: Client, name: str) -> None:
    url = sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "0"})["QueueUrl"]
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url)
    defaults = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert defaults["VisibilityTimeout"] == "30"
    assert defaults["MessageRetentionPeriod"] == "345600"
    assert defaults["MaximumMessageSize"] == "1048576"
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"VisibilityTimeout": "45", "ReceiveMessageWaitTimeSeconds": "2"}
    )
    changed = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["VisibilityTimeout", "ReceiveMessageWaitTimeSeconds"]
    )["Attributes"]
    assert changed == {"VisibilityTimeout": "45", "ReceiveMessageWaitTimeSeconds": "2"}
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeOut": "1"})
    with pytest.raises(sqs.exceptions.InvalidAttributeValue):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})

    sqs.tag_queue(QueueUrl=url, Tags={"env": "test", "team": "payments"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "payments"}


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c, u: c.send_message(QueueUrl=u + "-gone", MessageBody="x"), "QueueDoesNotExist"),
        (lambda c, u: c.receive_message(QueueUrl=u + "-gone"), "QueueDoesNotExist"),
        (lambda c, u: c.purge_queue(QueueUrl=u + "-gone"), "QueueDoesNotExist"),
        (
            lambda c, u: c.delete_message(QueueUrl=u, ReceiptHandle="forged"),
            "ReceiptHandleIsInvalid",
        ),
        (
            lambda c, u: c.send_message_batch(
                QueueUrl=u,
                Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "a", "MessageBody": "2"}],
            ),
            "BatchEntryIdsNotDistinct",
        ),
        (
            lambda c, u: c.delete_message_batch(QueueUrl=u, Entries=[]),
            "EmptyBatchRequest",
        ),
        (
            lambda c, u: c.send_message_batch(
                QueueUrl=u, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)]
            ),
            "TooManyEntriesInBatchRequest",
        ),
        (
            lambda c, u: c.send_message_batch(
                QueueUrl=u, Entries=[{"Id": "no spaces", "MessageBody": "x"}]
            ),
            "InvalidBatchEntryId",
        ),
        (
            lambda c, u: c.send_message(QueueUrl=u, MessageBody="\x00"),
            "InvalidMessageContents",
        ),
        (
            lambda c, u: c.list_message_move_tasks(
                SourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:gone"
            ),
            "ResourceNotFoundException",
        ),
    ],
)
def test_errors_arrive_as_the_exceptions_users_catch(
    sqs: Client, name: str, call: Callable[[Client, str], Any], error: str
) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    with pytest.raises(getattr(sqs.exceptions, error)) as raised:
        call(sqs, url)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert raised.value.response["Error"]["Message"]


def test_parameter_errors_name_the_parameter(sqs: Client, name: str) -> None:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    with pytest.raises(sqs.exceptions.ClientError) as raised:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "MaxNumberOfMessages" in raised.value.response["Error"]["Message"]
