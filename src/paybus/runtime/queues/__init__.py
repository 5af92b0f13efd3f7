"""The queue service (SQS semantics) and its background work: retention and message moves."""

from paybus.runtime.queues.service import QueueService

__all__ = ["QueueService"]
