"""`paybus functions ...` and `paybus mappings ...` on a real store, with no server running."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paybus.cli.main import app
from paybus.core.errors import InvalidParameterValue, NotFound

runner = CliRunner()

HANDLERS = """
def record(event, context):
    context.tables.put_item("invocations", {"id": event["id"], "by": context.function_name})
    return {"ok": True, "remaining_ms_positive": context.get_remaining_time_in_millis() > 0}

def explode(event, context):
    raise ValueError("card declined")
"""


@pytest.fixture
def project(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    module = f"cli_handlers_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(HANDLERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    config = tmp_path / "paybus.toml"
    config.write_text(
        f"""
[store]
url = "{store_url}"

[[functions]]
name = "record"
handler = "{module}:record"
timeout = 5

[[functions]]
name = "explode"
handler = "{module}:explode"
"""
    )
    return config


def run(config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_list_shows_declared_functions(project: Path) -> None:
    code, out = run(project, "functions", "list", "--json")
    assert code == 0
    assert [(f["name"], f["timeout"]) for f in json.loads(out)] == [
        ("record", 5.0),
        ("explode", 3.0),
    ]


def test_invoke_returns_the_result_and_commits_table_writes(project: Path) -> None:
    assert run(project, "tables", "create", "invocations", "--partition-key", "id")[0] == 0
    code, out = run(project, "functions", "invoke", "record", "--payload", '{"id": "evt_1"}')
    assert code == 0
    assert json.loads(out) == {"ok": True, "remaining_ms_positive": True}
    code, out = run(project, "tables", "get", "invocations", '{"id": "evt_1"}')
    assert json.loads(out) == {"id": "evt_1", "by": "record"}


def test_a_failing_handler_prints_lambdas_error_and_exits_1(project: Path) -> None:
    code, out = run(project, "functions", "invoke", "explode")
    assert code == 1
    assert json.loads(out) == {"errorMessage": "card declined", "errorType": "ValueError"}


def test_mappings_create_list_disable_enable_delete(project: Path) -> None:
    run(project, "queues", "create", "notifications")
    code, out = run(
        project,
        "mappings",
        "create",
        "--queue",
        "notifications",
        "--function",
        "record",
        "--batch-size",
        "5",
        "--report-batch-item-failures",
        "--filter",
        '{"body": {"type": ["invoice.paid"]}}',
    )
    assert code == 0
    created = json.loads(out)
    uuid = created["UUID"]
    assert created["State"] == "Enabled" and created["BatchSize"] == 5
    assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:record"

    assert run(project, "mappings", "disable", uuid) == (0, f"mapping {uuid} disabled\n")
    (listed,) = json.loads(run(project, "mappings", "list", "--json")[1])
    assert listed["State"] == "Disabled"
    assert listed["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    run(project, "mappings", "enable", uuid)
    assert json.loads(run(project, "mappings", "list", "--json")[1])[0]["State"] == "Enabled"
    run(project, "mappings", "delete", uuid)
    assert json.loads(run(project, "mappings", "list", "--json")[1]) == []


def test_mapping_errors_name_what_is_wrong(project: Path) -> None:
    run(project, "queues", "create", "orders.fifo")
    with pytest.raises(NotFound, match="function:nope"):
        run(project, "mappings", "create", "--queue", "orders.fifo", "--function", "nope")
    with pytest.raises(InvalidParameterValue, match="BatchSize"):
        run(
            project,
            "mappings",
            "create",
            "--queue",
            "orders.fifo",
            "--function",
            "record",
            "--batch-size",
            "11",
        )
