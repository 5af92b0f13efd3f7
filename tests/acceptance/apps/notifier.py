"""A user's notification function, as the seed article describes it: an SQS-triggered Lambda that
emails the customer about each recurring-payment event (here over SMTP to $SMTP_PORT)."""

from __future__ import annotations

import json
import os
import smtplib
from email.message import EmailMessage
from typing import Any

SUBJECTS = {
    "invoice.paid": "Thank you: your payment of {amount} was received",
    "invoice.payment_failed": "Action needed: your payment of {amount} failed",
}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    with smtplib.SMTP("127.0.0.1", int(os.environ["SMTP_PORT"]), timeout=10) as smtp:
        for record in event["Records"]:
            try:
                smtp.send_message(_email(json.loads(record["body"])))
            except (KeyError, smtplib.SMTPException):
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def _email(event: dict[str, Any]) -> EmailMessage:
    invoice = event["detail"]["data"]["object"]
    amount = f"{invoice['amount_due'] / 100:.2f} {invoice['currency'].upper()}"
    message = EmailMessage()
    message["From"] = "billing@example.com"
    message["To"] = invoice["customer_email"]
    message["Subject"] = SUBJECTS[event["detail-type"]].format(amount=amount)
    message["X-Invoice"] = invoice["id"]
    message.set_content(f"Invoice {invoice['id']}: {invoice['hosted_invoice_url']}")
    return message
