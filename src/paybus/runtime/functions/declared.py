"""The functions a project file declares, in one list: `[[functions]]` entries and the
`[workflows.functions]` shorthand (`NAME = "module:callable"`, Lambda's default settings)."""

from __future__ import annotations

from paybus.core.errors import ConfigError
from paybus.runtime.config import PaybusConfig
from paybus.runtime.functions.definitions import FunctionConfig


def declared_functions(config: PaybusConfig) -> list[FunctionConfig]:
    """Every declared function once; a name declared in both places is a configuration error."""
    found = {f.name: FunctionConfig(**f.model_dump()) for f in config.functions}
    for name, handler in config.workflows.functions.items():
        if name in found:
            raise ConfigError(
                f"function {name!r} is declared twice: in [[functions]] and in "
                f"[workflows.functions]; keep the [[functions]] entry (it takes timeout and "
                "reserved_concurrency) and remove the shorthand"
            )
        found[name] = FunctionConfig(name, handler)
    return list(found.values())
