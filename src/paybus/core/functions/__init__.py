"""Lambda-style functions, the pure part: the SQS event shape, partial batch responses, and
event-source mapping settings."""

from paybus.core.functions.mappings import MappingSettings, parse_mapping_settings
from paybus.core.functions.sqs_event import (
    InvalidBatchResponse,
    failed_item_ids,
    fifo_failures,
    sqs_record,
)

__all__ = [
    "InvalidBatchResponse",
    "MappingSettings",
    "failed_item_ids",
    "fifo_failures",
    "parse_mapping_settings",
    "sqs_record",
]
