"""Webhook ingress: verify a processor's signature on the exact bytes received, then describe the
event so it can be published on a partner event bus in the envelope the processor's own
EventBridge integration produces.

`verify_webhook(provider, secrets, headers, body, now)` is the library call for users who
receive webhooks elsewhere; the HTTP route uses the same verifiers.
"""

from paybus.core.errors import WebhookRefused
from paybus.integrations.ingress.contract import Refusal, VerifiedEvent, Verifier
from paybus.integrations.ingress.registry import PROVIDERS, verifier_for, verify_webhook

__all__ = [
    "PROVIDERS",
    "Refusal",
    "VerifiedEvent",
    "Verifier",
    "WebhookRefused",
    "verifier_for",
    "verify_webhook",
]
