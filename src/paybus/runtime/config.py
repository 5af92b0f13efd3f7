"""The project file (`paybus.toml`) and its settings, validated with errors that name the key.

Precedence: command-line flags, then `PAYBUS_*` environment variables, then the file, then
defaults. An unknown key is an error, not a silent no-op: a typo must not change behaviour.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from paybus.core.errors import ConfigError, PaybusError, ValidationError
from paybus.core.events.arns import parse_target_arn
from paybus.core.events.patterns import compile_pattern
from paybus.core.events.schedule import SCHEDULE_ON_CUSTOM_BUS, parse_schedule
from paybus.store.settings import StoreSettings, parse_store_url

DEFAULT_CONFIG_FILE = Path("paybus.toml")
DEFAULT_STORE_URL = "sqlite:///paybus.db"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=4510, ge=0, le=65535)
    #: seconds to finish in-flight requests and work after SIGTERM
    shutdown_timeout: float = Field(default=30.0, gt=0)
    #: server processes sharing the listening socket and the store (each runs the API and the
    #: workers); more than one uses more than one core
    processes: int = Field(default=1, ge=1, le=64)


class StoreConfig(_Section):
    url: str = DEFAULT_STORE_URL
    #: SQLite only: NORMAL survives a process crash, FULL also survives power loss
    synchronous: Literal["NORMAL", "FULL"] = "NORMAL"


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class MaintenanceConfig(_Section):
    #: how often expired idempotency keys are removed
    idempotency_sweep_seconds: float = Field(default=300.0, gt=0)


class AwsConfig(_Section):
    """The identity paybus answers as: ARNs and queue URLs carry this region and account."""

    region: str = Field(default="us-east-1", pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    account_id: str = Field(default="000000000000", pattern=r"^\d{12}$")


class QueueSettings(_Section):
    #: how often messages past their retention period are removed
    retention_sweep_seconds: float = Field(default=60.0, gt=0)
    #: how often a long poll re-checks the store for sends made by other processes (their
    #: wake-up hints come at once; this is the fallback when one is lost)
    poll_seconds: float = Field(default=1.0, gt=0)


class BusSettings(_Section):
    """The event bus's housekeeping."""

    #: events and finished deliveries are kept this long, then swept (archives keep their own)
    history_hours: float = Field(default=168.0, gt=0)
    retention_sweep_seconds: float = Field(default=300.0, gt=0)
    #: how often an idle replay runner looks for replays started by another process
    replay_poll_seconds: float = Field(default=1.0, gt=0)
    #: how often the scheduler looks for scheduled rules whose tick has come
    schedule_poll_seconds: float = Field(default=1.0, gt=0)
    #: AWS Organizations paybus cannot ask: organization id -> its member accounts, for bus
    #: policies conditioned on `aws:PrincipalOrgID` (an account listed nowhere is in none)
    organizations: dict[str, list[str]] = Field(default_factory=dict)


class QueueDeclaration(_Section):
    name: str
    #: SQS attribute names and string values, as CreateQueue takes them
    attributes: dict[str, str] = {}


class FunctionDeclaration(_Section):
    name: str
    #: "package.module:callable"
    handler: str
    timeout: float = Field(default=3.0, gt=0, le=900)
    reserved_concurrency: int | None = Field(default=None, ge=0, le=1000)
    maximum_retry_attempts: int = Field(default=2, ge=0, le=2)
    on_failure_queue: str | None = None
    dead_letter_queue: str | None = None


class MappingDeclaration(_Section):
    queue: str
    function: str
    enabled: bool = True
    batch_size: int = 10
    maximum_batching_window_seconds: int = 0
    maximum_concurrency: int | None = None
    report_batch_item_failures: bool = False
    #: EventBridge-style patterns on the message body, as JSON text
    filters: list[str] = []


class WorkflowsConfig(_Section):
    """Step Functions executions. `functions` is a shorthand for `[[functions]]` entries with
    Lambda's default settings: function name (as Task states name it, e.g.
    `dev-send-tier-upgrade-email`) = `module:callable` handler."""

    functions: dict[str, str] = Field(default_factory=dict)
    #: a task invocation not finished by then (its worker died) runs again on another worker
    task_lease_seconds: float = Field(default=300.0, gt=0)
    #: how often workers look for work other processes left (timers, callbacks, expired leases);
    #: other processes' wake-up hints make them look at once
    poll_seconds: float = Field(default=0.5, gt=0)
    #: task invocations running at once in one process
    task_concurrency: int = Field(default=32, ge=1, le=1024)


class BusDeclaration(_Section):
    name: str
    description: str | None = None
    kms_key_identifier: str | None = None
    #: the SQS queue ARN of the bus's DeadLetterConfig
    dead_letter_arn: str | None = None
    tags: dict[str, str] = {}


class RuleDeclaration(_Section):
    """A rule and its targets, as PutRule and PutTargets take them (targets use AWS's keys:
    `{ Id = "notify", Arn = "arn:aws:sqs:::notifications", InputTransformer = {...} }`)."""

    name: str
    bus: str = "default"
    #: the event pattern, as a TOML table or as JSON text; optional with a schedule
    event_pattern: dict[str, Any] | str | None = None
    #: `rate(1 day)`, `cron(0 2 * * ? *)`, ...: the rule also fires on this schedule (UTC)
    schedule_expression: str | None = None
    state: Literal["ENABLED", "DISABLED"] = "ENABLED"
    description: str | None = None
    targets: list[dict[str, Any]] = []
    tags: dict[str, str] = {}


class WebhookSource(_Section):
    """A processor that delivers webhooks to `POST /webhooks/<name>`."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    #: stripe | checkout | adyen | standard-webhooks | generic-hmac
    provider: str
    #: every active secret (several while one is rotated); or name environment variables
    secrets: list[str] = []
    secret_env: list[str] = []
    #: the partner event source its events arrive from, e.g. aws.partner/stripe.com/ed_123
    event_source: str = Field(pattern=r"^aws\.partner/[^/]+/.+$")
    #: create the partner event bus at start so events flow (AWS: "Associate with event bus")
    associate: bool = True
    #: how long a processor event id is remembered to drop redeliveries
    dedup_days: float = Field(default=30, gt=0)
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    #: provider options (generic-hmac: signature_header, algorithm, encoding, ...)
    options: dict[str, Any] = {}

    def resolved_secrets(self) -> list[str]:
        found = list(self.secrets)
        for variable in self.secret_env:
            value = os.environ.get(variable)
            if not value:
                raise ConfigError(
                    f"webhook source {self.name!r}: environment variable {variable} is not set"
                )
            found.append(value)
        if not found:
            raise ConfigError(
                f"webhook source {self.name!r} has no secrets (secrets or secret_env)"
            )
        return found


class PaybusConfig(_Section):
    server: ServerConfig = ServerConfig()
    aws: AwsConfig = AwsConfig()
    store: StoreConfig = StoreConfig()
    logging: LoggingConfig = LoggingConfig()
    maintenance: MaintenanceConfig = MaintenanceConfig()
    queue_settings: QueueSettings = QueueSettings()
    bus: BusSettings = BusSettings()
    queues: list[QueueDeclaration] = []
    functions: list[FunctionDeclaration] = []
    event_source_mappings: list[MappingDeclaration] = []
    workflows: WorkflowsConfig = WorkflowsConfig()
    webhooks: list[WebhookSource] = []
    buses: list[BusDeclaration] = []
    rules: list[RuleDeclaration] = []

    def store_settings(self) -> StoreSettings:
        return parse_store_url(self.store.url, synchronous=self.store.synchronous)


_ENVIRONMENT = {
    "PAYBUS_STORE": ("store", "url"),
    "PAYBUS_HOST": ("server", "host"),
    "PAYBUS_PORT": ("server", "port"),
    "PAYBUS_LOG_FORMAT": ("logging", "format"),
    "PAYBUS_LOG_LEVEL": ("logging", "level"),
}


def load_config(
    path: Path | None = None,
    *,
    overrides: dict[tuple[str, str], Any] | None = None,
    environ: dict[str, str] | None = None,
) -> PaybusConfig:
    """Read the project file (if any), apply environment and flag overrides, validate."""
    source = str(path) if path is not None else str(DEFAULT_CONFIG_FILE)
    raw: dict[str, Any] = {}
    if path is not None and not path.exists():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    file = path if path is not None else DEFAULT_CONFIG_FILE
    if file.exists():
        raw = _read_toml(file)
    env = os.environ if environ is None else environ
    for variable, (section, key) in _ENVIRONMENT.items():
        if env.get(variable):
            raw.setdefault(section, {})[key] = env[variable]
            source = f"{source} (with ${variable})" if not file.exists() else source
    for (section, key), value in (overrides or {}).items():
        if value is not None:
            raw.setdefault(section, {})[key] = value
    try:
        config = PaybusConfig.model_validate(raw)
    except PydanticValidationError as error:
        raise ConfigError(f"{file}: {_describe(error)}") from None
    config.store_settings()  # a bad URL fails here, before anything starts
    _check_rules(file, config)
    return config


def _check_rules(file: Path, config: PaybusConfig) -> None:
    """Patterns and target ARNs are checked before anything starts, with the rule's name."""
    for rule in config.rules:
        try:
            if rule.event_pattern is None and rule.schedule_expression is None:
                raise ValidationError("give an event_pattern, a schedule_expression, or both")
            if rule.event_pattern is not None:
                compile_pattern(rule.event_pattern)
            if rule.schedule_expression is not None:
                if rule.bus != "default":
                    raise ValidationError(SCHEDULE_ON_CUSTOM_BUS)
                parse_schedule(rule.schedule_expression)
            for target in rule.targets:
                if "Id" not in target or "Arn" not in target:
                    raise ValidationError("every target needs an Id and an Arn")
                parse_target_arn(str(target["Arn"]))
        except PaybusError as error:
            raise ConfigError(f"{file}: rule {rule.name!r}: {error}") from None


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{file}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {str(file)!r}: {error.strerror}") from None


def _describe(error: PydanticValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    value = first.get("input")
    shown = f" (got {value!r})" if not isinstance(value, dict) else ""
    return f"{where}: {first['msg']}{shown}"
