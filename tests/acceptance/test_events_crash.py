"""SIGKILL of `paybus up` in the middle of a PutEvents burst: every event PutEvents accepted is
in its queue after the restart, and none is delivered twice."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from paybus_process import ACCOUNT, REGION, client_for, paybus_up

PATTERN = {"source": [{"prefix": "aws.partner/stripe.com"}], "detail-type": ["invoice.paid"]}


def burst(events: Any, accepted: list[str], enough: threading.Event) -> None:
    """Put batches of 10 until the server dies; remember every id it acknowledged."""
    entry = {
        "Source": "aws.partner/stripe.com/ed_1",
        "DetailType": "invoice.paid",
        "Detail": json.dumps({"id": "evt"}),
    }
    try:
        while True:
            response = events.put_events(Entries=[entry] * 10)
            accepted += [e["EventId"] for e in response["Entries"] if "EventId" in e]
            if len(accepted) >= 300:
                enough.set()
    except Exception:  # the connection dies with the server: that is the point
        enough.set()


def test_sigkill_during_a_burst_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    accepted: list[str] = []
    with paybus_up(tmp_path) as server:
        sqs, events = client_for(server, "sqs"), client_for(server, "events")
        sqs.create_queue(QueueName="paid")
        events.put_rule(Name="paid", EventPattern=json.dumps(PATTERN))
        events.put_targets(
            Rule="paid", Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:paid"}]
        )
        enough = threading.Event()
        producer = threading.Thread(target=burst, args=(events, accepted, enough))
        producer.start()
        assert enough.wait(30), "the burst never got going"
        server.process.kill()
        producer.join(30)
    assert len(accepted) >= 300

    with paybus_up(tmp_path) as server:
        sqs = client_for(server, "sqs")
        url = sqs.get_queue_url(QueueName="paid")["QueueUrl"]
        delivered: list[str] = []
        while got := sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300
        ).get("Messages"):
            delivered += [json.loads(m["Body"])["id"] for m in got]
    assert set(accepted) <= set(delivered), "an acknowledged event was lost"
    assert len(delivered) == len(set(delivered)), "an event was delivered twice"
