"""Amazon SQS over AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Operation>`), on the queue service.

Each operation reads its parameters, calls `QueueService`, and answers in SQS's response shape.
Errors carry SQS's legacy query codes in `x-amzn-query-error` so botocore raises the modeled
exceptions (`client.exceptions.QueueDoesNotExist`, ...) exactly as against AWS.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from paybus.api.aws import AwsContext, AwsService, Operation
from paybus.api.aws.params import (
    object_list,
    optional_int,
    optional_string,
    required_int,
    required_string,
    string_list,
    string_map,
)
from paybus.api.sqs_messages import received_message
from paybus.core.errors import NotFound, QueueDoesNotExist
from paybus.core.queues import md5_of_trace_header, trace_header_from
from paybus.core.queues.naming import QueueNaming
from paybus.runtime.assembly import public_base_url
from paybus.runtime.queues import QueueService
from paybus.runtime.services import Runtime

Params = dict[str, Any]
Result = dict[str, Any]

#: SQS's error names -> the codes its query protocol used, which botocore maps back to the
#: modeled exception (only where they differ would it matter, but AWS sends the header always)
QUERY_ERROR_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    **{
        name: name
        for name in (
            "ReceiptHandleIsInvalid",
            "InvalidAttributeName",
            "InvalidAttributeValue",
            "InvalidMessageContents",
            "InvalidParameterValue",
            "MissingParameter",
            "InvalidIdFormat",
            "OverLimit",
            "ResourceNotFoundException",
            "RequestThrottled",
        )
    },
}


def build(runtime: Runtime) -> AwsService:
    queues = runtime.queues or _queues_for(runtime)
    return AwsService(
        "AmazonSQS",
        "com.amazonaws.sqs",
        SqsOperations(queues).table(),
        query_error_codes=QUERY_ERROR_CODES,
    )


def _queues_for(runtime: Runtime) -> QueueService:
    """A runtime assembled without queues (tests, tools) still answers SQS on its store."""
    aws, server = runtime.config.aws, runtime.config.server
    naming = QueueNaming(aws.region, aws.account_id, public_base_url(server.host, server.port))
    return QueueService(runtime.store, naming)


class SqsOperations:
    def __init__(self, queues: QueueService) -> None:
        self.queues = queues

    def table(self) -> dict[str, Operation]:
        return {
            "CreateQueue": self.create_queue,
            "GetQueueUrl": self.get_queue_url,
            "ListQueues": self.list_queues,
            "DeleteQueue": self.delete_queue,
            "PurgeQueue": self.purge_queue,
            "GetQueueAttributes": self.get_queue_attributes,
            "SetQueueAttributes": self.set_queue_attributes,
            "TagQueue": self.tag_queue,
            "UntagQueue": self.untag_queue,
            "ListQueueTags": self.list_queue_tags,
            "ListDeadLetterSourceQueues": self.list_dead_letter_source_queues,
            "SendMessage": self.send_message,
            "SendMessageBatch": self.send_message_batch,
            "ReceiveMessage": self.receive_message,
            "DeleteMessage": self.delete_message,
            "DeleteMessageBatch": self.delete_message_batch,
            "ChangeMessageVisibility": self.change_message_visibility,
            "ChangeMessageVisibilityBatch": self.change_message_visibility_batch,
            "StartMessageMoveTask": self.start_message_move_task,
            "CancelMessageMoveTask": self.cancel_message_move_task,
            "ListMessageMoveTasks": self.list_message_move_tasks,
        }

    # -- queues --------------------------------------------------------------------------------

    async def create_queue(self, params: Params, context: AwsContext) -> Result:
        url = await self.queues.create_queue(
            required_string(params, "QueueName"),
            string_map(params, "Attributes"),
            string_map(params, "tags"),
        )
        return {"QueueUrl": url}

    async def get_queue_url(self, params: Params, context: AwsContext) -> Result:
        return {"QueueUrl": await self.queues.get_queue_url(required_string(params, "QueueName"))}

    async def list_queues(self, params: Params, context: AwsContext) -> Result:
        urls, token = await self.queues.list_queues(
            optional_string(params, "QueueNamePrefix") or "",
            optional_int(params, "MaxResults"),
            optional_string(params, "NextToken"),
        )
        return _present(QueueUrls=urls, NextToken=token)

    async def delete_queue(self, params: Params, context: AwsContext) -> None:
        await self.queues.delete_queue(_queue(params))

    async def purge_queue(self, params: Params, context: AwsContext) -> None:
        await self.queues.purge_queue(_queue(params))

    async def get_queue_attributes(self, params: Params, context: AwsContext) -> Result:
        names = string_list(params, "AttributeNames")
        if not names:  # SQS answers nothing unless asked
            await self.queues.get_queue_url(self.queues.name_of(_queue(params)))
            return {}
        return _present(Attributes=await self.queues.get_queue_attributes(_queue(params), names))

    async def set_queue_attributes(self, params: Params, context: AwsContext) -> None:
        await self.queues.set_queue_attributes(_queue(params), string_map(params, "Attributes"))

    async def tag_queue(self, params: Params, context: AwsContext) -> None:
        await self.queues.tag_queue(_queue(params), string_map(params, "Tags"))

    async def untag_queue(self, params: Params, context: AwsContext) -> None:
        await self.queues.untag_queue(_queue(params), string_list(params, "TagKeys"))

    async def list_queue_tags(self, params: Params, context: AwsContext) -> Result:
        return _present(Tags=await self.queues.list_queue_tags(_queue(params)))

    async def list_dead_letter_source_queues(self, params: Params, context: AwsContext) -> Result:
        urls = await self.queues.list_dead_letter_source_queues(_queue(params))
        limit = optional_int(params, "MaxResults")
        start = int(optional_string(params, "NextToken") or 0)
        if limit is None:
            return {"queueUrls": urls[start:]}
        page, rest = urls[start : start + limit], urls[start + limit :]
        return _present(queueUrls=page, NextToken=str(start + limit) if rest else None)

    # -- messages ------------------------------------------------------------------------------

    async def send_message(self, params: Params, context: AwsContext) -> Result:
        trace_header = trace_header_from(params.get("MessageSystemAttributes"))
        result = await self.queues.send_message(
            _queue(params),
            params.get("MessageBody"),  # type: ignore[arg-type]  # validated by the service
            delay_seconds=optional_int(params, "DelaySeconds"),
            message_attributes=params.get("MessageAttributes"),
            group_id=optional_string(params, "MessageGroupId"),
            deduplication_id=optional_string(params, "MessageDeduplicationId"),
            trace_header=trace_header,
        )
        return _present(
            MessageId=result.message_id,
            MD5OfMessageBody=result.md5_of_body,
            MD5OfMessageAttributes=result.md5_of_attributes,
            MD5OfMessageSystemAttributes=(
                md5_of_trace_header(trace_header) if trace_header else None
            ),
            SequenceNumber=result.sequence_number,
        )

    async def send_message_batch(self, params: Params, context: AwsContext) -> Result:
        entries = object_list(params, "Entries")
        result = await self.queues.send_message_batch(_queue(params), entries)
        traced = {
            entry.get("Id"): entry["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"]
            for entry in entries
            if entry.get("MessageSystemAttributes")
        }
        for sent in result["Successful"]:
            if sent["Id"] in traced:
                sent["MD5OfMessageSystemAttributes"] = md5_of_trace_header(traced[sent["Id"]])
        return dict(result)

    async def receive_message(self, params: Params, context: AwsContext) -> Result:
        messages = await self.queues.receive_message(
            _queue(params),
            max_messages=optional_int(params, "MaxNumberOfMessages") or 1,
            visibility_timeout=optional_int(params, "VisibilityTimeout"),
            wait_time_seconds=optional_int(params, "WaitTimeSeconds"),
        )
        system = string_list(params, "MessageSystemAttributeNames") + string_list(
            params, "AttributeNames"
        )
        wanted = string_list(params, "MessageAttributeNames")
        shaped = [
            received_message(m, system, wanted, sender_id=context.account_id) for m in messages
        ]
        return _present(Messages=shaped)

    async def delete_message(self, params: Params, context: AwsContext) -> None:
        await self.queues.delete_message(_queue(params), required_string(params, "ReceiptHandle"))

    async def delete_message_batch(self, params: Params, context: AwsContext) -> Result:
        entries = object_list(params, "Entries")
        return dict(await self.queues.delete_message_batch(_queue(params), entries))

    async def change_message_visibility(self, params: Params, context: AwsContext) -> None:
        await self.queues.change_message_visibility(
            _queue(params),
            required_string(params, "ReceiptHandle"),
            required_int(params, "VisibilityTimeout"),
        )

    async def change_message_visibility_batch(self, params: Params, context: AwsContext) -> Result:
        entries = object_list(params, "Entries")
        return dict(await self.queues.change_message_visibility_batch(_queue(params), entries))

    # -- message move tasks --------------------------------------------------------------------

    async def start_message_move_task(self, params: Params, context: AwsContext) -> Result:
        with _queue_as_resource():
            handle = await self.queues.start_message_move_task(
                required_string(params, "SourceArn"),
                optional_string(params, "DestinationArn"),
                optional_int(params, "MaxNumberOfMessagesPerSecond"),
            )
        return {"TaskHandle": handle}

    async def cancel_message_move_task(self, params: Params, context: AwsContext) -> Result:
        moved = await self.queues.cancel_message_move_task(required_string(params, "TaskHandle"))
        return {"ApproximateNumberOfMessagesMoved": moved}

    async def list_message_move_tasks(self, params: Params, context: AwsContext) -> Result:
        with _queue_as_resource():
            results = await self.queues.list_message_move_tasks(
                required_string(params, "SourceArn"), optional_int(params, "MaxResults") or 1
            )
        return {"Results": results}


def _queue(params: Params) -> str:
    return required_string(params, "QueueUrl")


def _present(**fields: Any) -> Result:
    """The response with empty fields left out, as SQS leaves them out."""
    return {key: value for key, value in fields.items() if value not in (None, [], {})}


@contextmanager
def _queue_as_resource() -> Iterator[None]:
    """Move tasks call a missing queue ResourceNotFoundException, as SQS does."""
    try:
        yield
    except QueueDoesNotExist as error:
        raise NotFound(error.message) from None
