"""SQS queues, the pure part: attributes, message validation and digests, receipt handles,
batch rules. The store keeps queues and messages; the runtime serves them.
"""

from paybus.core.queues.attributes import (
    DEFAULT_MAX_RECEIVE_COUNT,
    MAX_VISIBILITY_TIMEOUT,
    MAX_WAIT_SECONDS,
    QueueAttributes,
    RedrivePolicy,
    check_queue_name,
    parse_attributes,
    queue_name_from_arn,
    stored_attributes,
)
from paybus.core.queues.batches import MAX_BATCH_ENTRIES, check_batch_ids
from paybus.core.queues.messages import (
    MessageAttributes,
    OutgoingMessage,
    QueueMessage,
    check_for_queue,
    md5_of_attributes,
    md5_of_trace_header,
    prepare_message,
    select_attributes,
    trace_header_from,
)
from paybus.core.queues.receipts import Receipt, decode_receipt

__all__ = [
    "DEFAULT_MAX_RECEIVE_COUNT",
    "MAX_BATCH_ENTRIES",
    "MAX_VISIBILITY_TIMEOUT",
    "MAX_WAIT_SECONDS",
    "MessageAttributes",
    "OutgoingMessage",
    "QueueAttributes",
    "QueueMessage",
    "Receipt",
    "RedrivePolicy",
    "check_batch_ids",
    "check_for_queue",
    "check_queue_name",
    "decode_receipt",
    "md5_of_attributes",
    "md5_of_trace_header",
    "parse_attributes",
    "prepare_message",
    "queue_name_from_arn",
    "select_attributes",
    "stored_attributes",
    "trace_header_from",
]
