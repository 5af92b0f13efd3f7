"""boto3's EventBridge client against `paybus up`: the seeds' partner-bus flow into SQS, rules,
targets, bus policies, archives and replays, and errors as boto3's modeled exceptions."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from paybus_process import ACCOUNT, REGION, Server, client_for

Client = Any

STRIPE_PATTERN = {
    "source": [{"prefix": "aws.partner/stripe.com"}],
    "detail-type": ["invoice.paid", "invoice.payment_failed"],
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def queue_for_rule(sqs: Client, events: Client, rule: str, bus: str = "default") -> str:
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    result = events.put_targets(
        Rule=rule, EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn["QueueArn"]}]
    )
    assert result["FailedEntryCount"] == 0
    return str(url)


def bodies(sqs: Client, url: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while len(found) < count:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
        messages = got.get("Messages", [])
        assert messages, f"only {len(found)} of {count} messages arrived"
        found += [json.loads(m["Body"]) for m in messages]
    return found


def stripe_entry(bus: str, detail_type: str, invoice: str) -> dict[str, str]:
    return {
        "EventBusName": bus,
        "Source": bus,
        "DetailType": detail_type,
        "Detail": json.dumps({"id": f"evt_{invoice}", "data": {"object": {"id": invoice}}}),
    }


def test_seed_flow_partner_bus_rule_to_queue(events: Client, sqs: Client) -> None:
    source = f"aws.partner/stripe.com/{unique('ed')}"
    arn = events.create_partner_event_source(Name=source, Account=ACCOUNT)["EventSourceArn"]
    assert arn == f"arn:aws:events:{REGION}::event-source/{source}"
    assert events.describe_event_source(Name=source)["State"] == "PENDING"
    events.create_event_bus(Name=source, EventSourceName=source)
    assert events.describe_event_source(Name=source)["State"] == "ACTIVE"
    events.put_rule(Name="invoices", EventBusName=source, EventPattern=json.dumps(STRIPE_PATTERN))
    url = queue_for_rule(sqs, events, "invoices", source)

    response = events.put_events(
        Entries=[
            stripe_entry(source, "invoice.paid", "in_1"),
            stripe_entry(source, "customer.created", "in_2"),
            stripe_entry(source, "invoice.payment_failed", "in_3"),
        ]
    )

    assert response["FailedEntryCount"] == 0
    got = sorted(bodies(sqs, url, 2), key=lambda e: e["detail-type"])
    assert [e["detail-type"] for e in got] == ["invoice.paid", "invoice.payment_failed"]
    assert got[0]["source"] == source and got[0]["account"] == ACCOUNT
    assert got[0]["id"] == response["Entries"][0]["EventId"]
    assert not sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages")


def test_rules_and_targets_are_managed_like_on_aws(events: Client, sqs: Client) -> None:
    bus = unique("bus")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    assert bus_arn == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bus}"
    rule_arn = events.put_rule(
        Name="paid", EventBusName=bus, EventPattern=json.dumps(STRIPE_PATTERN), State="DISABLED"
    )["RuleArn"]
    assert rule_arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus}/paid"
    described = events.describe_rule(Name="paid", EventBusName=bus)
    assert described["State"] == "DISABLED" and described["EventBusName"] == bus
    events.enable_rule(Name="paid", EventBusName=bus)
    listed = events.list_rules(EventBusName=bus, NamePrefix="pa")["Rules"]
    assert [(r["Name"], r["State"]) for r in listed] == [("paid", "ENABLED")]

    result = events.put_targets(
        Rule="paid",
        EventBusName=bus,
        Targets=[
            {"Id": "good", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:somewhere"},
            {"Id": "bad", "Arn": "arn:aws:sns:us-east-1:1:topic"},
        ],
    )
    assert result["FailedEntryCount"] == 1
    assert result["FailedEntries"][0]["TargetId"] == "bad"
    targets = events.list_targets_by_rule(Rule="paid", EventBusName=bus)["Targets"]
    assert [t["Id"] for t in targets] == ["good"]
    by_target = events.list_rule_names_by_target(
        TargetArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:somewhere", EventBusName=bus
    )
    assert by_target["RuleNames"] == ["paid"]
    events.remove_targets(Rule="paid", EventBusName=bus, Ids=["good"])
    events.delete_rule(Name="paid", EventBusName=bus)
    events.delete_event_bus(Name=bus)
    names = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    assert bus not in names and "default" in names


def test_errors_are_boto3_exceptions(events: Client) -> None:
    with pytest.raises(events.exceptions.InvalidEventPatternException) as bad:
        events.put_rule(Name="bad", EventPattern=json.dumps({"source": []}))
    assert "Empty arrays are not allowed" in bad.value.response["Error"]["Message"]
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.describe_rule(Name=unique("missing"))
    bus = unique("bus")
    events.create_event_bus(Name=bus)
    with pytest.raises(events.exceptions.ResourceAlreadyExistsException):
        events.create_event_bus(Name=bus)
    events.put_rule(Name="r", EventBusName=bus, EventPattern=json.dumps(STRIPE_PATTERN))
    targets = [{"Id": f"t{i}", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q{i}"} for i in range(6)]
    with pytest.raises(events.exceptions.LimitExceededException):
        events.put_targets(Rule="r", EventBusName=bus, Targets=targets)
    assert events.test_event_pattern(
        EventPattern=json.dumps(STRIPE_PATTERN),
        Event=json.dumps(
            {
                "id": "1",
                "account": ACCOUNT,
                "source": "aws.partner/stripe.com/ed_1",
                "time": "2024-03-07T18:27:56Z",
                "region": REGION,
                "resources": [],
                "detail-type": "invoice.paid",
                "detail": {},
            }
        ),
    )["Result"]
    response = events.put_events(Entries=[{"Source": "app", "DetailType": "x", "Detail": "[1]"}])
    assert response["Entries"][0]["ErrorCode"] == "MalformedDetail"


def test_bus_policy_decides_which_accounts_may_put_events(
    events: Client, sqs: Client, server: Server
) -> None:
    bus = unique("shared")
    events.create_event_bus(Name=bus)
    events.put_rule(Name="all", EventBusName=bus, EventPattern=json.dumps({"source": ["partner"]}))
    url = queue_for_rule(sqs, events, "all", bus)
    other = client_for(server, "events", access_key="111122223333")
    entry = {"EventBusName": bus, "Source": "partner", "DetailType": "x", "Detail": "{}"}

    refused = other.put_events(Entries=[entry])["Entries"][0]
    assert refused["ErrorCode"] == "AccessDeniedException"
    assert "111122223333" in refused["ErrorMessage"]

    events.put_permission(
        EventBusName=bus, Action="events:PutEvents", Principal="111122223333", StatementId="p"
    )
    policy = json.loads(events.describe_event_bus(Name=bus)["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert other.put_events(Entries=[entry])["FailedEntryCount"] == 0
    [event] = bodies(sqs, url, 1)
    assert event["account"] == "111122223333"

    events.remove_permission(EventBusName=bus, StatementId="p")
    assert other.put_events(Entries=[entry])["FailedEntryCount"] == 1
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.remove_permission(EventBusName=bus, StatementId="p")


def wait_replay(events: Client, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        replay = events.describe_replay(ReplayName=name)
        if replay["State"] in ("COMPLETED", "CANCELLED", "FAILED"):
            return dict(replay)
        time.sleep(0.1)  # another process runs the replay: polling is all a client can do
    raise AssertionError(f"replay {name} did not finish")


def test_archive_and_replay_redeliver_with_replay_name(events: Client, sqs: Client) -> None:
    bus = unique("billing")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    archive = unique("archive")
    archive_arn = events.create_archive(
        ArchiveName=archive,
        EventSourceArn=bus_arn,
        EventPattern=json.dumps({"detail-type": ["invoice.paid"]}),
        RetentionDays=0,
    )["ArchiveArn"]
    events.put_rule(Name="paid", EventBusName=bus, EventPattern=json.dumps(STRIPE_PATTERN))
    url = queue_for_rule(sqs, events, "paid", bus)
    source = "aws.partner/stripe.com/ed_1"
    events.put_events(
        Entries=[
            {**stripe_entry(bus, "invoice.paid", "in_1"), "Source": source},
            {**stripe_entry(bus, "invoice.payment_failed", "in_2"), "Source": source},
        ]
    )
    originals = bodies(sqs, url, 2)
    described = events.describe_archive(ArchiveName=archive)
    assert described["EventCount"] == 1 and described["RetentionDays"] == 0

    now = datetime.now(UTC)
    replay = unique("replay")
    started = events.start_replay(
        ReplayName=replay,
        EventSourceArn=archive_arn,
        EventStartTime=now - timedelta(minutes=5),
        EventEndTime=now + timedelta(minutes=1),
        Destination={"Arn": bus_arn},
    )
    assert started["State"] in ("STARTING", "RUNNING", "COMPLETED")
    finished = wait_replay(events, replay)
    assert finished["State"] == "COMPLETED" and "EventLastReplayedTime" in finished
    [again] = bodies(sqs, url, 1)
    paid = next(e for e in originals if e["detail-type"] == "invoice.paid")
    assert again["id"] == paid["id"] and again["replay-name"] == replay
    assert events.describe_archive(ArchiveName=archive)["EventCount"] == 1, "not re-archived"
    with pytest.raises(events.exceptions.IllegalStatusException):
        events.cancel_replay(ReplayName=replay)
    assert [r["ReplayName"] for r in events.list_replays(NamePrefix=replay)["Replays"]] == [replay]


def test_api_destination_receives_events_with_connection_auth(events: Client, sqs: Client) -> None:
    import http.server
    import queue
    import threading

    got: queue.Queue[tuple[str, dict[str, str], bytes]] = queue.Queue()

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.put((self.path, dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    hook = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        name = unique("conn")
        connection = events.create_connection(
            Name=name,
            AuthorizationType="BASIC",
            AuthParameters={"BasicAuthParameters": {"Username": "paybus", "Password": "pw"}},
        )
        assert connection["ConnectionState"] == "AUTHORIZED"
        shown = events.describe_connection(Name=name)["AuthParameters"]
        assert shown == {"BasicAuthParameters": {"Username": "paybus"}}, "no password shown"
        destination = events.create_api_destination(
            Name=unique("hook"),
            ConnectionArn=connection["ConnectionArn"],
            InvocationEndpoint=f"http://127.0.0.1:{hook.server_port}/stripe",
            HttpMethod="POST",
            InvocationRateLimitPerSecond=10,
        )
        bus = unique("bus")
        events.create_event_bus(Name=bus)
        events.put_rule(Name="hook", EventBusName=bus, EventPattern=json.dumps(STRIPE_PATTERN))
        events.put_targets(
            Rule="hook",
            EventBusName=bus,
            Targets=[{"Id": "h", "Arn": destination["ApiDestinationArn"]}],
        )
        paid = {**stripe_entry(bus, "invoice.paid", "in_9"), "Source": "aws.partner/stripe.com/x"}
        events.put_events(Entries=[paid])
        path, headers, body = got.get(timeout=20)
    finally:
        hook.shutdown()
    assert path == "/stripe"
    assert headers["Authorization"] == "Basic cGF5YnVzOnB3"
    assert json.loads(body)["detail"]["data"]["object"]["id"] == "in_9"
