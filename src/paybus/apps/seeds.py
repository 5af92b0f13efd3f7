"""The seeds' applications as a project: what `paybus up` runs when there is no paybus.toml.

Stripe webhooks arrive at `POST /webhooks/stripe` (secret: `$STRIPE_WEBHOOK_SECRET`, else a
development secret that is logged as such), land on the Stripe partner bus, and the recurring-
payment notification rule feeds the notifications function through a queue.
"""

from __future__ import annotations

import logging
import os

from paybus.runtime.config import PaybusConfig

log = logging.getLogger("paybus.apps")

STRIPE_SOURCE = "aws.partner/stripe.com/ed_paybus_local"
DEVELOPMENT_SECRET = "whsec_paybus_development"


def announce() -> None:
    """Say that the seeds' applications run, and with which Stripe secret (once serving)."""
    log.info("no paybus.toml here: running the seeds' applications", extra={"action": "apps.seeds"})
    if not os.environ.get("STRIPE_WEBHOOK_SECRET"):
        log.warning(
            "STRIPE_WEBHOOK_SECRET is not set: webhooks are verified with the development secret",
            extra={"action": "apps.development_secret", "secret": DEVELOPMENT_SECRET},
        )


def with_seed_apps(config: PaybusConfig) -> PaybusConfig:
    secret = os.environ.get("STRIPE_WEBHOOK_SECRET")
    declarations = {
        "webhooks": [
            {
                "name": "stripe",
                "provider": "stripe",
                "secrets": [secret or DEVELOPMENT_SECRET],
                "event_source": STRIPE_SOURCE,
            }
        ],
        "queues": [{"name": "payment-notifications"}],
        "rules": [
            {
                "name": "recurring-payment-notifications",
                "bus": STRIPE_SOURCE,
                "event_pattern": {
                    "source": [{"prefix": "aws.partner/stripe.com"}],
                    "detail-type": [
                        "invoice.paid",
                        "invoice.payment_succeeded",
                        "invoice.payment_failed",
                    ],
                },
                "targets": [{"Id": "notifications", "Arn": "arn:aws:sqs:::payment-notifications"}],
            }
        ],
        "functions": [
            {
                "name": "payment-notifications",
                "handler": "paybus.apps.notifications:handler",
                "timeout": 30,
            }
        ],
        "event_source_mappings": [
            {
                "queue": "payment-notifications",
                "function": "payment-notifications",
                "batch_size": 10,
                "maximum_batching_window_seconds": 1,
                "report_batch_item_failures": True,
            }
        ],
    }
    merged = config.model_dump()
    merged.update(declarations)
    return PaybusConfig.model_validate(merged)
