"""Application tables behave the same on both engines: what the loyalty program relies on."""

from __future__ import annotations

import asyncio

import pytest

from paybus.core.errors import AlreadyExists, ConditionalCheckFailed, NotFound, ValidationError
from paybus.core.tables import Attr, Check, Delete, Put, Update
from paybus.store.store import Store


@pytest.fixture
async def accounts(store: Store) -> Store:
    await store.tables.create_table("accounts", "customer_id")
    return store


async def test_put_then_get_returns_the_item(accounts: Store) -> None:
    item = {"customer_id": "cus_1", "tier": "silver", "points": 120, "tags": ["vip"]}
    await accounts.tables.put_item("accounts", item)
    assert await accounts.tables.get_item("accounts", {"customer_id": "cus_1"}) == item
    assert await accounts.tables.get_item("accounts", {"customer_id": "cus_2"}) is None


async def test_create_table_twice_same_schema_is_a_no_op_other_schema_fails(store: Store) -> None:
    assert await store.tables.create_table("t", "id") is True
    assert await store.tables.create_table("t", "id") is False
    with pytest.raises(AlreadyExists, match="already exists with key schema"):
        await store.tables.create_table("t", "id", "sort")
    assert [t.name for t in await store.tables.list_tables()] == ["t"]


async def test_missing_table_is_named(store: Store) -> None:
    with pytest.raises(NotFound, match="table 'nope' does not exist"):
        await store.tables.get_item("nope", {"id": "x"})


async def test_delete_table_removes_its_items(accounts: Store) -> None:
    await accounts.tables.put_item("accounts", {"customer_id": "c"})
    await accounts.tables.delete_table("accounts")
    await accounts.tables.create_table("accounts", "customer_id")
    assert await accounts.tables.get_item("accounts", {"customer_id": "c"}) is None


async def test_increment_creates_then_adds(accounts: Store) -> None:
    first = await accounts.tables.update_item("accounts", {"customer_id": "c"}, add={"points": 50})
    second = await accounts.tables.update_item(
        "accounts", {"customer_id": "c"}, add={"points": 25}, set={"tier": "bronze"}
    )
    assert first == {"customer_id": "c", "points": 50}
    assert second == {"customer_id": "c", "points": 75, "tier": "bronze"}


async def test_concurrent_increments_are_never_lost(accounts: Store) -> None:
    await asyncio.gather(
        *(
            accounts.tables.update_item("accounts", {"customer_id": "c"}, add={"points": 1})
            for _ in range(60)
        )
    )
    item = await accounts.tables.get_item("accounts", {"customer_id": "c"})
    assert item == {"customer_id": "c", "points": 60}


async def test_condition_failure_writes_nothing_and_says_why(accounts: Store) -> None:
    await accounts.tables.put_item("accounts", {"customer_id": "c", "points": 10})
    with pytest.raises(ConditionalCheckFailed, match=r"gte\(points, 100\) is false"):
        await accounts.tables.update_item(
            "accounts",
            {"customer_id": "c"},
            add={"points": -100},
            condition=Attr("points").gte(100),
        )
    assert (await accounts.tables.get_item("accounts", {"customer_id": "c"}))["points"] == 10


async def test_create_only_if_absent_lets_exactly_one_writer_win(accounts: Store) -> None:
    async def claim(owner: int) -> bool:
        try:
            await accounts.tables.put_item(
                "accounts",
                {"customer_id": "c", "owner": owner},
                condition=Attr("customer_id").not_exists(),
            )
        except ConditionalCheckFailed:
            return False
        return True

    wins = await asyncio.gather(*(claim(n) for n in range(20)))
    assert sum(wins) == 1
    winner = wins.index(True)
    assert (await accounts.tables.get_item("accounts", {"customer_id": "c"}))["owner"] == winner


async def test_transaction_is_all_or_nothing(accounts: Store) -> None:
    await accounts.tables.put_item("accounts", {"customer_id": "a", "points": 5})
    with pytest.raises(ConditionalCheckFailed, match="operation 1"):
        await accounts.tables.transact_write(
            [
                Update("accounts", {"customer_id": "b"}, add={"points": 5}),
                Update(
                    "accounts",
                    {"customer_id": "a"},
                    add={"points": -5},
                    condition=Attr("points").gte(10),
                ),
            ]
        )
    assert await accounts.tables.get_item("accounts", {"customer_id": "b"}) is None


async def test_idempotency_key_applies_once_and_returns_first_result(accounts: Store) -> None:
    credit = [Update("accounts", {"customer_id": "c"}, add={"points": 100})]
    first = await accounts.tables.transact_write(credit, idempotency_key="evt_1")
    again = await accounts.tables.transact_write(credit, idempotency_key="evt_1")
    other = await accounts.tables.transact_write(credit, idempotency_key="evt_2")
    assert first.applied and not again.applied and other.applied
    assert again.items == first.items == [{"customer_id": "c", "points": 100}]
    assert (await accounts.tables.get_item("accounts", {"customer_id": "c"}))["points"] == 200


async def test_concurrent_deliveries_of_one_key_credit_once(accounts: Store) -> None:
    credit = [Update("accounts", {"customer_id": "c"}, add={"points": 100})]
    results = await asyncio.gather(
        *(accounts.tables.transact_write(credit, idempotency_key="evt_1") for _ in range(10))
    )
    assert sum(r.applied for r in results) == 1
    assert (await accounts.tables.get_item("accounts", {"customer_id": "c"}))["points"] == 100


async def test_key_of_failed_transaction_is_not_burnt(accounts: Store) -> None:
    guarded = [
        Check("accounts", {"customer_id": "c"}, Attr("customer_id").exists()),
        Update("accounts", {"customer_id": "c"}, add={"points": 1}),
    ]
    with pytest.raises(ConditionalCheckFailed):
        await accounts.tables.transact_write(guarded, idempotency_key="k")
    await accounts.tables.put_item("accounts", {"customer_id": "c", "points": 0})
    result = await accounts.tables.transact_write(guarded, idempotency_key="k")
    assert result.applied and result.items[1] == {"customer_id": "c", "points": 1}


async def test_expired_keys_are_swept_and_can_be_reused(store_url: str) -> None:
    from paybus.store.store import open_store

    now = [1_000.0]
    store = await open_store(store_url, clock=lambda: now[0])
    try:
        await store.tables.create_table("accounts", "customer_id")
        credit = [Update("accounts", {"customer_id": "c"}, add={"points": 1})]
        assert (await store.tables.transact_write(credit, idempotency_key="k")).applied
        now[0] += 31 * 86_400  # past the 30-day retention
        assert (await store.tables.transact_write(credit, idempotency_key="k")).applied
        now[0] += 31 * 86_400
        assert await store.tables.purge_expired_idempotency_keys() == 1
        assert (await store.tables.get_item("accounts", {"customer_id": "c"}))["points"] == 2
    finally:
        await store.close()


async def test_delete_returns_old_item_and_honours_condition(accounts: Store) -> None:
    await accounts.tables.put_item("accounts", {"customer_id": "c", "tier": "gold"})
    with pytest.raises(ConditionalCheckFailed):
        await accounts.tables.delete_item(
            "accounts", {"customer_id": "c"}, condition=Attr("tier").eq("silver")
        )
    old = await accounts.tables.delete_item("accounts", {"customer_id": "c"})
    assert old == {"customer_id": "c", "tier": "gold"}
    assert await accounts.tables.delete_item("accounts", {"customer_id": "c"}) is None


async def test_sort_keys_and_query_by_prefix(store: Store) -> None:
    await store.tables.create_table("ledger", "customer_id", "entry")
    for entry in ["2026-01-03#earn", "2026-01-01#earn", "2026-02-01#redeem"]:
        await store.tables.put_item("ledger", {"customer_id": "c", "entry": entry})
    await store.tables.put_item("ledger", {"customer_id": "d", "entry": "2026-01-02#earn"})
    january = await store.tables.query("ledger", "c", sort_prefix="2026-01")
    assert [i["entry"] for i in january] == ["2026-01-01#earn", "2026-01-03#earn"]
    assert len(await store.tables.query("ledger", "c")) == 3


async def test_numeric_keys_3_and_3_0_are_one_key(store: Store) -> None:
    await store.tables.create_table("n", "id")
    await store.tables.put_item("n", {"id": 3, "v": "a"})
    assert await store.tables.get_item("n", {"id": 3.0}) == {"id": 3, "v": "a"}
    assert await store.tables.get_item("n", {"id": "3"}) is None


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ({}, "missing its key attribute 'customer_id'"),
        ({"customer_id": ""}, "is an empty string"),
        ({"customer_id": True}, "must be a string or a number, got bool"),
        ({"customer_id": "c", "x": 1}, "attribute 'x' that is not part of the key schema"),
    ],
)
async def test_bad_keys_name_the_problem(
    accounts: Store, key: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        await accounts.tables.get_item("accounts", key)


async def test_updates_may_not_touch_the_key(accounts: Store) -> None:
    with pytest.raises(ValidationError, match="cannot update key attribute 'customer_id'"):
        await accounts.tables.update_item(
            "accounts", {"customer_id": "c"}, set={"customer_id": "d"}
        )


async def test_table_ops_compose_with_other_store_work_in_one_transaction(accounts: Store) -> None:
    """A unit that writes a table and then fails leaves no trace: the seam for ack + effects."""
    from paybus.store import tables as units

    def credit_then_fail():  # type: ignore[no-untyped-def]
        yield from units.apply_op(
            accounts.dialect, Update("accounts", {"customer_id": "c"}, add={"points": 5}), 0
        )
        yield from units.apply_op(
            accounts.dialect,
            Delete("accounts", {"customer_id": "zzz"}, condition=Attr("customer_id").exists()),
            0,
        )

    with pytest.raises(ConditionalCheckFailed):
        await accounts.write(credit_then_fail)
    assert await accounts.tables.get_item("accounts", {"customer_id": "c"}) is None
    await accounts.tables.transact_write([Put("accounts", {"customer_id": "c"})])
