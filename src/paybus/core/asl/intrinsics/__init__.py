"""Intrinsic functions (`States.Format(...)` and the 17 others): parsing and evaluation."""

from paybus.core.asl.intrinsics.evaluate import evaluate_intrinsic, is_intrinsic
from paybus.core.asl.intrinsics.parser import IntrinsicCall, IntrinsicSyntaxError, parse_intrinsic

__all__ = [
    "IntrinsicCall",
    "IntrinsicSyntaxError",
    "evaluate_intrinsic",
    "is_intrinsic",
    "parse_intrinsic",
]
