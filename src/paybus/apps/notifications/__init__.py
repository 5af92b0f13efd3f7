"""The seed's recurring-payment notifications: an SQS-triggered function that tells the customer
about each invoice event by email, within a minute of the processor's webhook.

Email goes over SMTP when `PAYBUS_SMTP_HOST` is set (`PAYBUS_SMTP_PORT`, `PAYBUS_SMTP_FROM`);
otherwise each email is written to the log, so a fresh `paybus up` shows what it would send.
"""

from __future__ import annotations

import logging
import os
import smtplib
from email.message import EmailMessage
from typing import Any

import orjson

log = logging.getLogger("paybus.apps.notifications")

SUBJECTS = {
    "invoice.paid": "Thank you: your payment of {amount} was received",
    "invoice.payment_succeeded": "Thank you: your payment of {amount} was received",
    "invoice.payment_failed": "Action needed: your payment of {amount} failed",
}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's SQS event in; a partial batch response out (only failed records retry)."""
    failures: list[dict[str, str]] = []
    emails = []
    for record in event["Records"]:
        try:
            emails.append((record["messageId"], render(orjson.loads(record["body"]))))
        except (KeyError, TypeError, ValueError):
            log.warning(
                "not an invoice event",
                extra={"action": "notification.skipped", "message_id": record.get("messageId")},
            )
    host = os.environ.get("PAYBUS_SMTP_HOST")
    if not host:
        for _, email in emails:
            log.info(
                "email (no SMTP configured)",
                extra={
                    "action": "notification.logged",
                    "to": email["To"],
                    "subject": email["Subject"],
                    "invoice": email["X-Invoice"],
                },
            )
        return {"batchItemFailures": failures}
    port = int(os.environ.get("PAYBUS_SMTP_PORT", "25"))
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        for message_id, email in emails:
            try:
                smtp.send_message(email)
            except smtplib.SMTPException:
                failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}


def render(event: dict[str, Any]) -> EmailMessage:
    """The email for one invoice event (Stripe's invoice, basil-shaped or older)."""
    invoice = event["detail"]["data"]["object"]
    amount = f"{invoice['amount_due'] / 100:.2f} {str(invoice['currency']).upper()}"
    email = EmailMessage()
    email["From"] = os.environ.get("PAYBUS_SMTP_FROM", "billing@example.com")
    email["To"] = invoice["customer_email"]
    email["Subject"] = SUBJECTS[event["detail-type"]].format(amount=amount)
    email["X-Invoice"] = invoice["id"]
    link = invoice.get("hosted_invoice_url") or ""
    email.set_content(f"Invoice {invoice['id']} ({amount}).\n{link}\n")
    return email
