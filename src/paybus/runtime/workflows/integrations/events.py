"""`arn:aws:states:::events:putEvents` (and `.waitForTaskToken`) through the bus service.

Runs on the task runner, so it may run twice (a worker died after publishing); each event's id
and deduplication receipt derive from the execution and the task, and the bus publishes an
event whose receipt it has seen before only once. A failed entry fails the task with
`EventBridge.FailedEntry`, as AWS does.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

from paybus.core.asl import InvokeTask
from paybus.core.errors import FunctionError, NotFound, PaybusError
from paybus.core.events.arns import bus_name_of
from paybus.core.events.envelope import EntryError, accept_entry
from paybus.runtime.bus import BusService
from paybus.runtime.workflows.integrations import TaskIntegration, sdk_metadata

#: how long a task's event ids are remembered against a second publication
RECEIPT_MS = 7 * 24 * 3600 * 1000


def put_events(bus: BusService) -> TaskIntegration:
    async def integration(task: InvokeTask, execution_arn: str) -> Any:
        parameters = task.parameters if isinstance(task.parameters, dict) else {}
        entries = parameters.get("Entries")
        if not isinstance(entries, list) or not entries:
            raise FunctionError(
                "The field 'Entries' is required by events:putEvents", "States.Runtime"
            )
        now = datetime.fromtimestamp(bus.clock(), UTC)
        results = []
        for index, entry in enumerate(entries):
            key = f"{execution_arn}:{task.task_id}:{task.token}:{index}"
            results.append(await _publish(bus, _as_entry(entry), key, now))
        failed = sum(1 for r in results if "ErrorCode" in r)
        response = {"Entries": results, "FailedEntryCount": failed}
        if failed:
            raise FunctionError(orjson.dumps(response).decode(), "EventBridge.FailedEntry")
        return {**response, **sdk_metadata()}

    return integration


def _as_entry(entry: Any) -> Any:
    """Step Functions sends `Detail` given as JSON as its text, as the SDK would."""
    if isinstance(entry, dict) and "Detail" in entry and not isinstance(entry["Detail"], str):
        return {**entry, "Detail": orjson.dumps(entry["Detail"]).decode()}
    return entry


async def _publish(bus: BusService, entry: Any, key: str, now: datetime) -> dict[str, str]:
    if not isinstance(entry, dict):
        return EntryError("InvalidArgument", "Each entry must be an object.").as_aws()
    event_id = str(uuid.UUID(bytes=hashlib.sha256(key.encode()).digest()[:16], version=4))
    try:
        bus_name = bus_name_of(str(entry.get("EventBusName") or "default"))
        await bus.rules_for(bus_name)
    except NotFound as missing:
        return EntryError("ResourceNotFoundException", missing.message).as_aws()
    except PaybusError as error:
        return EntryError("InvalidArgument", error.message).as_aws()
    accepted = accept_entry(
        entry, event_id=event_id, now=now, account=bus.account, region=bus.region
    )
    if isinstance(accepted, EntryError):
        return accepted.as_aws()
    receipt = ("states:putEvents", event_id, RECEIPT_MS)
    await bus.publish_events(bus_name, [(accepted.as_dict(), receipt)])
    return {"EventId": event_id}
