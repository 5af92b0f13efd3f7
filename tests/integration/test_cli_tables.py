"""`paybus tables ...` end to end on a real store."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from paybus.cli.main import app

runner = CliRunner()


def invoke(store_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--store", store_url])
    return result.exit_code, result.output


def test_create_put_get_query_list(store_url: str) -> None:
    assert (
        invoke(
            store_url,
            "tables",
            "create",
            "ledger",
            "--partition-key",
            "customer_id",
            "--sort-key",
            "entry",
        )[0]
        == 0
    )
    for entry in ("2026-01#earn", "2026-02#redeem"):
        code, _ = invoke(
            store_url,
            "tables",
            "put",
            "ledger",
            json.dumps({"customer_id": "cus_1", "entry": entry, "points": 10}),
        )
        assert code == 0
    code, out = invoke(
        store_url, "tables", "get", "ledger", '{"customer_id": "cus_1", "entry": "2026-01#earn"}'
    )
    assert code == 0 and json.loads(out)["points"] == 10
    code, out = invoke(store_url, "tables", "query", "ledger", "cus_1", "--prefix", "2026-02")
    assert [i["entry"] for i in json.loads(out)] == ["2026-02#redeem"]
    code, out = invoke(store_url, "tables", "list", "--json")
    assert json.loads(out) == [
        {"name": "ledger", "partition_key": "customer_id", "sort_key": "entry"}
    ]


def test_missing_item_exits_1(store_url: str) -> None:
    invoke(store_url, "tables", "create", "t", "--partition-key", "id")
    code, out = invoke(store_url, "tables", "get", "t", '{"id": "x"}')
    assert code == 1 and "no item with key" in out
