"""`paybus queues ...` end to end on a real store, with no server running."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from paybus.cli.main import app

runner = CliRunner()
PAYBUS = str(Path(sys.executable).parent / "paybus")


def invoke(store_url: str, *args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, ["queues", *args, "--store", store_url], input=stdin)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def listed(store_url: str) -> dict[str, dict[str, Any]]:
    return {q["name"]: q for q in json.loads(invoke(store_url, "list", "--json"))}


def test_create_send_receive_delete_and_inspect(store_url: str) -> None:
    url = invoke(store_url, "create", "orders", "-a", "VisibilityTimeout=5", "--tag", "team=pay")
    assert url.strip() == "http://127.0.0.1:4510/000000000000/orders"
    invoke(store_url, "send", "orders", '{"order": 1}', "-a", "tenant=acme")
    invoke(store_url, "send", "orders", "-", stdin='{"order": 2}')
    assert listed(store_url)["orders"]["available"] == 2

    messages = json.loads(invoke(store_url, "receive", "orders", "--max", "10", "--json"))
    assert sorted(m["Body"] for m in messages) == ['{"order": 1}', '{"order": 2}']
    tagged = next(m for m in messages if m["MessageAttributes"])
    assert tagged["MessageAttributes"] == {"tenant": {"DataType": "String", "StringValue": "acme"}}
    assert listed(store_url)["orders"]["in_flight"] == 2
    assert invoke(store_url, "receive", "orders").strip() == "no messages", "hidden for 5 s"

    attributes = json.loads(
        invoke(store_url, "attributes", "orders", "--set", "VisibilityTimeout=0", "--json")
    )
    assert attributes["VisibilityTimeout"] == "0"
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:orders"
    invoke(store_url, "send", "orders", '{"order": 3}')
    assert '{"order": 3}' in invoke(store_url, "receive", "orders", "--delete")
    assert (listed(store_url)["orders"]["available"], listed(store_url)["orders"]["in_flight"]) == (
        0,
        2,
    )


def test_fifo_send_shows_duplicates(store_url: str) -> None:
    invoke(store_url, "create", "ledger.fifo", "-a", "ContentBasedDeduplication=true")
    first = invoke(store_url, "send", "ledger.fifo", "entry", "--group-id", "cus_1")
    again = invoke(store_url, "send", "ledger.fifo", "entry", "--group-id", "cus_1")
    assert again.strip() == f"{first.strip()} (duplicate: not enqueued again)"
    assert listed(store_url)["ledger.fifo"]["type"] == "fifo"


def test_poison_message_reaches_the_dead_letter_queue_and_moves_back(store_url: str) -> None:
    invoke(store_url, "create", "payments-dlq")
    policy = json.dumps(
        {
            "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:payments-dlq",
            "maxReceiveCount": 2,
        }
    )
    invoke(store_url, "create", "payments", "-a", f"RedrivePolicy={policy}")
    invoke(store_url, "send", "payments", "poison")
    for _ in range(2):
        assert "poison" in invoke(store_url, "receive", "payments", "--visibility", "0")
    assert invoke(store_url, "receive", "payments").strip() == "no messages"
    queues = listed(store_url)
    assert queues["payments"]["dead_letter_queue"] == "payments-dlq (after 2 receives)"
    assert queues["payments-dlq"]["available"] == 1

    out = invoke(store_url, "move", "payments-dlq")
    assert "moved 1 messages from 'payments-dlq' to their source queues" in out
    assert listed(store_url)["payments"]["available"] == 1


def test_purge_and_delete(store_url: str) -> None:
    invoke(store_url, "create", "scratch")
    invoke(store_url, "send", "scratch", "x")
    assert "purged" in invoke(store_url, "purge", "scratch")
    assert listed(store_url)["scratch"]["available"] == 0
    assert "deleted" in invoke(store_url, "delete", "scratch", "--yes")
    assert "scratch" not in listed(store_url)


def test_errors_are_one_line(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'paybus.db'}"
    result = subprocess.run(
        [PAYBUS, "queues", "receive", "missing", "--store", store],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr == "paybus: error: The specified queue 'missing' does not exist.\n"
    bad = subprocess.run(
        [PAYBUS, "queues", "create", "q", "-a", "VisibilityTimeout", "--store", store],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert bad.returncode == 1
    assert "--attribute 'VisibilityTimeout' must be written KEY=VALUE" in bad.stderr
