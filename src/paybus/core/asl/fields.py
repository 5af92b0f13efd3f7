"""Which fields each state type accepts, per query language (the schema's tables, as data)."""

from __future__ import annotations

STATE_TYPES = frozenset({"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"})
COMMON = frozenset({"Type", "Comment", "QueryLanguage"})
TRANSITION = frozenset({"Next", "End"})
TERMINAL_TYPES = frozenset({"Choice", "Succeed", "Fail"})
WITH_RETRY = frozenset({"Task", "Parallel", "Map"})

# (fields in both languages, JSONPath-only, JSONata-only)
FIELDS: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    "Pass": (
        frozenset({"Assign"}),
        frozenset({"InputPath", "Parameters", "Result", "ResultPath", "OutputPath"}),
        frozenset({"Output"}),
    ),
    "Task": (
        frozenset(
            {
                "Resource",
                "TimeoutSeconds",
                "HeartbeatSeconds",
                "Credentials",
                "Retry",
                "Catch",
                "Assign",
            }
        ),
        frozenset(
            {
                "Parameters",
                "ResultSelector",
                "ResultPath",
                "InputPath",
                "OutputPath",
                "TimeoutSecondsPath",
                "HeartbeatSecondsPath",
            }
        ),
        frozenset({"Arguments", "Output"}),
    ),
    "Choice": (
        frozenset({"Choices", "Default", "Assign"}),
        frozenset({"InputPath", "OutputPath"}),
        frozenset({"Output"}),
    ),
    "Wait": (
        frozenset({"Seconds", "Timestamp", "Assign"}),
        frozenset({"SecondsPath", "TimestampPath", "InputPath", "OutputPath"}),
        frozenset({"Output"}),
    ),
    "Succeed": (frozenset(), frozenset({"InputPath", "OutputPath"}), frozenset({"Output"})),
    "Fail": (frozenset({"Error", "Cause"}), frozenset({"ErrorPath", "CausePath"}), frozenset()),
    "Parallel": (
        frozenset({"Branches", "Retry", "Catch", "Assign"}),
        frozenset({"Parameters", "ResultSelector", "ResultPath", "InputPath", "OutputPath"}),
        frozenset({"Arguments", "Output"}),
    ),
    "Map": (
        frozenset(
            {
                "ItemProcessor",
                "Iterator",
                "ItemSelector",
                "MaxConcurrency",
                "Retry",
                "Catch",
                "Assign",
                "ItemReader",
                "ItemBatcher",
                "ResultWriter",
                "ToleratedFailurePercentage",
                "ToleratedFailureCount",
                "Label",
            }
        ),
        frozenset(
            {
                "ItemsPath",
                "Parameters",
                "ResultSelector",
                "ResultPath",
                "InputPath",
                "OutputPath",
                "MaxConcurrencyPath",
                "ToleratedFailurePercentagePath",
                "ToleratedFailureCountPath",
            }
        ),
        frozenset({"Items", "Output", "Arguments"}),
    ),
}

RETRIER_FIELDS = frozenset(
    {
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
        "Comment",
    }
)
CATCHER_FIELDS = frozenset({"ErrorEquals", "Next", "ResultPath", "Output", "Assign", "Comment"})
TOP_LEVEL_FIELDS = frozenset(
    {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"}
)
MAX_STATE_NAME = 80
MAX_RETRY_NUMBER = 99_999_999
