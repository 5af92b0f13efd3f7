"""How queues are named to clients: ARNs and URLs in AWS's forms, and back to a queue name."""

from __future__ import annotations

from dataclasses import dataclass

from paybus.core.errors import QueueDoesNotExist
from paybus.core.queues.attributes import queue_name_from_arn


@dataclass(frozen=True, slots=True)
class QueueNaming:
    region: str = "us-east-1"
    account: str = "000000000000"
    base_url: str = "http://localhost:4510"

    def arn(self, name: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account}:{name}"

    def url(self, name: str) -> str:
        return f"{self.base_url}/{self.account}/{name}"

    def name_of(self, queue: str) -> str:
        """A queue given as a URL, an ARN or a bare name, as its name."""
        if queue.startswith("arn:"):
            return queue_name_from_arn(queue)
        if "/" in queue:
            name = queue.rstrip("/").rsplit("/", 1)[-1]
            if not name:
                raise QueueDoesNotExist(f"The specified queue {queue!r} does not exist.")
            return name
        return queue
