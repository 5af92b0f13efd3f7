"""How the command line reports a failure: one line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import sys
from typing import NoReturn


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"paybus: error: {message}", file=sys.stderr)
    sys.exit(code)
