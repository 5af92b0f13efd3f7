"""Wake-up hints between processes sharing one database: the channel and the topics units name.

A unit that leaves work for other processes (`sql.wake`) names a topic; each process's listener
hears it after the commit (PostgreSQL NOTIFY, SQLite datagrams: `store/sqlite/wakes.py`) and
wakes the loop that would otherwise find the work at its next poll. A hint is never the truth:
one that is lost costs a poll interval.
"""

from __future__ import annotations

#: the PostgreSQL NOTIFY channel every paybus process of a database listens on
CHANNEL = "paybus_wake"
#: messages became visible on a queue: `queue:<name>`
QUEUE_PREFIX = "queue:"
#: bus deliveries wait for the dispatcher
DELIVERIES = "deliveries"
#: workflow task invocations nobody holds a lease on
WORKFLOW_TASKS = "workflows:tasks"
#: an Express execution's start nobody runs yet
WORKFLOW_EXPRESS = "workflows:express"
#: a workflow timer was set: the next one may be due sooner than a process thinks
WORKFLOW_TIMERS = "workflows:timers"
#: not sent: a listener that (re)connects hands it to its hooks, since hints may have been
#: missed while it was not listening
EVERYTHING = "*"


def queue_topic(name: str) -> str:
    return QUEUE_PREFIX + name


def kind_of(topic: str) -> str:
    """The metric label of a topic: its kind, never a queue's name (that would be unbounded)."""
    if topic.startswith(QUEUE_PREFIX):
        return "queue"
    return topic if topic in _KINDS else "other"


_KINDS = frozenset({DELIVERIES, WORKFLOW_TASKS, WORKFLOW_EXPRESS, WORKFLOW_TIMERS})
