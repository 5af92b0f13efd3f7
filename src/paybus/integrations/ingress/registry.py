"""Provider names and the library call to verify a webhook received anywhere."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from paybus.core.errors import ValidationError
from paybus.integrations.ingress.contract import VerifiedEvent, Verifier
from paybus.integrations.ingress.providers.adyen import AdyenVerifier
from paybus.integrations.ingress.providers.checkout import CheckoutVerifier
from paybus.integrations.ingress.providers.generic_hmac import (
    GenericHmacOptions,
    GenericHmacVerifier,
)
from paybus.integrations.ingress.providers.standard_webhooks import StandardWebhooksVerifier
from paybus.integrations.ingress.providers.stripe import StripeVerifier

PROVIDERS: dict[str, Callable[..., Verifier]] = {
    "stripe": StripeVerifier,
    "checkout": CheckoutVerifier,
    "adyen": AdyenVerifier,
    "standard-webhooks": StandardWebhooksVerifier,
    "generic-hmac": lambda **options: GenericHmacVerifier(GenericHmacOptions(**options)),
}


def verifier_for(provider: str, **options: Any) -> Verifier:
    factory = PROVIDERS.get(provider)
    if factory is None:
        raise ValidationError(
            f"unknown webhook provider {provider!r}: expected one of {', '.join(sorted(PROVIDERS))}"
        )
    try:
        return factory(**options)
    except (TypeError, ValueError) as error:
        raise ValidationError(
            f"invalid options for webhook provider {provider!r}: {error}"
        ) from None


def verify_webhook(
    provider: str,
    secrets: str | Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    **options: Any,
) -> list[VerifiedEvent]:
    """Verify one delivery on its raw bytes; raises `WebhookRefused` saying why not.

    >>> verify_webhook("stripe", "whsec_...", request.headers, raw_body)
    """
    secret_list = [secrets] if isinstance(secrets, str) else list(secrets)
    if not secret_list:
        raise ValidationError("at least one webhook secret is required")
    lowered = {name.lower(): value for name, value in headers.items()}
    clock = time.time() if now is None else now
    return verifier_for(provider, **options).verify(lowered, body, secret_list, clock)
