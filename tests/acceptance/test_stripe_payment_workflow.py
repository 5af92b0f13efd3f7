"""The seed's Stripe payment workflow end to end over real HTTP against `paybus up`.

A state machine creates the payment through a function and waits on its task token; that
function records a short correlation id -> token mapping in a paybus table and puts the id in the
payment intent's metadata (Stripe metadata values stop at 500 characters; tokens may be 2,048).
Stripe's signed `payment_intent.succeeded` webhook arrives at `POST /webhooks/stripe`, its event
reaches the `resume-payment` function through a rule on the partner event bus, and that function
calls SendTaskSuccess with the token it finds; post-payment processing then runs.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from paybus_process import ACCOUNT, PAYBUS, REGION, Server, free_port, paybus_up

from paybus.integrations.ingress.providers.stripe import signature_header
from paybus.integrations.ingress.samples.ids import IdMaker
from paybus.integrations.ingress.samples.signed import signed_delivery
from paybus.runtime.bus import BusService
from paybus.runtime.bus.admin import BusAdmin
from paybus.store.store import open_store

boto3 = pytest.importorskip("boto3")

SECRET = "whsec_paybus_acceptance"
PARTNER_BUS = "aws.partner/stripe.com/ed_paybus_acceptance"
HANDLERS = '''
"""The payment service's functions, as they would run on Lambda."""
import json
import os

import boto3

TOKENS = "payment_tokens"


def create_payment(event, context):
    """Create the PaymentIntent (here: pretend to), remembering who waits for its outcome."""
    correlation_id = event["correlation_id"]
    context.tables.put_item(
        TOKENS, {"correlation_id": correlation_id, "task_token": event["task_token"]}
    )
    return {"id": "pi_" + correlation_id, "metadata": {"correlation_id": correlation_id}}


def resume_payment(event, context):
    """The webhook's event: find the waiting workflow by the intent's metadata and resume it."""
    intent = event["detail"]["data"]["object"]
    correlation_id = intent["metadata"]["correlation_id"]
    waiting = context.tables.get_item(TOKENS, {"correlation_id": correlation_id})
    if waiting is None:
        raise LookupError("no payment waits for " + correlation_id)
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=os.environ["PAYBUS_ENDPOINT"],
        region_name="eu-west-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    outcome = {"id": intent["id"], "status": intent["status"], "amount": intent["amount"]}
    sfn.send_task_success(taskToken=waiting["task_token"], output=json.dumps(outcome))


def fulfil_order(event, context):
    return {"receipt_to": event["customer"], "amount": event["payment"]["amount"]}
'''
CONFIG = f"""
[aws]
region = "{REGION}"
account_id = "{ACCOUNT}"

[workflows]
poll_seconds = 0.1

[queue_settings]
poll_seconds = 0.1

[[functions]]
name = "create-payment"
handler = "payment_functions:create_payment"

[[functions]]
name = "resume-payment"
handler = "payment_functions:resume_payment"
timeout = 10

[[functions]]
name = "fulfil-order"
handler = "payment_functions:fulfil_order"

[[webhooks]]
name = "stripe"
provider = "stripe"
secrets = ["{SECRET}"]
event_source = "{PARTNER_BUS}"
"""
LAMBDA = "arn:aws:lambda:us-west-2:123456789123:function:{}"
WORKFLOW = {
    "Comment": "Payment processing with Stripe",
    "StartAt": "CreatePayment",
    "States": {
        "CreatePayment": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": LAMBDA.format("create-payment"),
                "Payload": {
                    "amount.$": "$.amount",
                    "currency.$": "$.currency",
                    "correlation_id.$": "$$.Execution.Name",
                    "task_token.$": "$$.Task.Token",
                },
            },
            "ResultPath": "$.payment",
            "TimeoutSeconds": 3600,
            "Next": "Paid?",
        },
        "Paid?": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.payment.status", "StringEquals": "succeeded", "Next": "PostPayment"}
            ],
            "Default": "PaymentFailed",
        },
        "PostPayment": {
            "Type": "Task",
            "Resource": LAMBDA.format("fulfil-order"),
            "Parameters": {"customer.$": "$.customer", "payment.$": "$.payment"},
            "ResultPath": "$.fulfilment",
            "End": True,
        },
        "PaymentFailed": {"Type": "Fail", "Error": "PaymentFailed", "Cause": "card declined"},
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("payments")
    (home / "payment_functions.py").write_text(HANDLERS)
    store = f"sqlite:///{home / 'paybus.db'}"
    port = free_port()
    config = CONFIG + f'\n[store]\nurl = "{store}"\n'
    table = ["payment_tokens", "--partition-key", "correlation_id", "--store", store]
    subprocess.run(
        [PAYBUS, "tables", "create", *table],
        check=True,
        capture_output=True,
    )
    env = {"PAYBUS_ENDPOINT": f"http://127.0.0.1:{port}"}
    with paybus_up(home, config, port=port, env=env) as running:
        asyncio.run(_route_payment_events(store))
        yield running


async def _route_payment_events(url: str) -> None:
    """The rule a user creates with `aws events put-rule` and `put-targets`, on the partner bus
    `paybus up` created for the webhook source (made here through the shared store)."""
    store = await open_store(url)
    try:
        admin = BusAdmin(BusService(store, region=REGION, account=ACCOUNT))
        pattern = {"detail-type": ["payment_intent.succeeded", "payment_intent.payment_failed"]}
        await admin.put_rule("payment-outcomes", pattern, bus=PARTNER_BUS)
        target = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:resume-payment"
        await admin.put_targets("payment-outcomes", [{"Id": "resume", "Arn": target}], PARTNER_BUS)
    finally:
        await store.close()


@pytest.fixture(scope="module")
def sfn(server: Server) -> Any:
    return boto3.client(
        "stepfunctions",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="module")
def machine(sfn: Any) -> str:
    created = sfn.create_state_machine(
        name="StripePayment",
        definition=json.dumps(WORKFLOW),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/payments",
    )
    arn: str = created["stateMachineArn"]
    return arn


def until(check: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def closed(sfn: Any, arn: str) -> Any:
    described = sfn.describe_execution(executionArn=arn)
    return described if described["status"] != "RUNNING" else None


def submitted(sfn: Any, arn: str) -> bool:
    events = sfn.get_execution_history(executionArn=arn)["events"]
    return any(e["type"] == "TaskSubmitted" for e in events)


def stripe_webhook(server: Server, event_type: str, correlation_id: str) -> httpx.Response:
    """What Stripe sends once the intent settles: a signed event whose intent carries our id."""
    now = int(time.time())
    delivery = signed_delivery("stripe", event_type, SECRET, IdMaker(), now)
    event = orjson.loads(delivery.body)
    intent = event["data"]["object"]
    intent.update(id=f"pi_{correlation_id}", metadata={"correlation_id": correlation_id})
    body = orjson.dumps(event)
    headers = {**delivery.headers, "stripe-signature": signature_header(body, [SECRET], now)}
    return httpx.post(f"{server.url}/webhooks/stripe", content=body, headers=headers, timeout=10)


def test_a_succeeded_payment_resumes_the_workflow_and_runs_post_payment(
    server: Server, sfn: Any, machine: str
) -> None:
    started = sfn.start_execution(
        stateMachineArn=machine,
        name="order-1001",
        input=json.dumps({"amount": 4200, "currency": "eur", "customer": "cus_42"}),
    )
    arn = started["executionArn"]
    until(lambda: submitted(sfn, arn), "the payment to be created")
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"

    response = stripe_webhook(server, "payment_intent.succeeded", "order-1001")
    assert response.status_code == 200, response.text

    done = until(lambda: closed(sfn, arn), "the webhook to resume the workflow")
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output["payment"]["id"] == "pi_order-1001"
    assert output["payment"]["status"] == "succeeded"
    assert output["fulfilment"]["receipt_to"] == "cus_42"
    types = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded")
    assert types[-1] == "ExecutionSucceeded"


def test_a_failed_payment_ends_the_workflow_failed(server: Server, sfn: Any, machine: str) -> None:
    started = sfn.start_execution(
        stateMachineArn=machine,
        name="order-1002",
        input=json.dumps({"amount": 990, "currency": "usd", "customer": "cus_7"}),
    )
    arn = started["executionArn"]
    until(lambda: submitted(sfn, arn), "the payment to be created")
    assert stripe_webhook(server, "payment_intent.payment_failed", "order-1002").is_success
    done = until(lambda: closed(sfn, arn), "the webhook to resume the workflow")
    assert (done["status"], done["error"]) == ("FAILED", "PaymentFailed")
