"""Table conditions and updates follow DynamoDB's rules."""

from __future__ import annotations

import pytest

from paybus.core.errors import ValidationError
from paybus.core.tables import Attr, apply_update

ITEM = {
    "id": "c",
    "points": 120,
    "tier": "silver",
    "tags": ["vip", "eu"],
    "address": {"city": "Lyon"},
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Attr("points").gte(100), True),
        (Attr("points").lt(100), False),
        (Attr("points").between(100, 120), True),
        (Attr("tier").eq("silver"), True),
        (Attr("tier").ne("gold"), True),
        (Attr("missing").ne("gold"), True),
        (Attr("missing").eq("gold"), False),
        (Attr("missing").not_exists(), True),
        (Attr("points").exists(), True),
        (Attr("tier").begins_with("sil"), True),
        (Attr("tags").contains("vip"), True),
        (Attr("tags[1]").eq("eu"), True),
        (Attr("address.city").eq("Lyon"), True),
        (Attr("tier").is_in(["gold", "silver"]), True),
        # values of different types never compare, and booleans are not numbers
        (Attr("points").gt("100"), False),
        (Attr("points").eq(True), False),
        (Attr("points").gte(100) & Attr("tier").eq("gold"), False),
        (Attr("points").gte(100) | Attr("tier").eq("gold"), True),
        (~Attr("tier").eq("gold"), True),
    ],
    ids=lambda value: getattr(value, "describe", lambda: str(value))(),
)
def test_condition_semantics(condition: Attr, expected: bool) -> None:
    assert condition.evaluate(ITEM) is expected  # type: ignore[attr-defined]


def test_a_missing_item_only_satisfies_absence() -> None:
    assert Attr("id").not_exists().evaluate(None)
    assert not Attr("id").exists().evaluate(None)
    assert not Attr("points").gte(0).evaluate(None)


def test_apply_update_sets_adds_and_removes_without_touching_the_original() -> None:
    updated = apply_update(
        ITEM,
        set_values={"tier": "gold", "address.zip": "69001"},
        add={"points": 30, "visits": 1},
        remove=["tags"],
        protected=["id"],
    )
    assert updated == {
        "id": "c",
        "points": 150,
        "visits": 1,
        "tier": "gold",
        "address": {"city": "Lyon", "zip": "69001"},
    }
    assert ITEM["points"] == 120 and ITEM["address"] == {"city": "Lyon"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"add": {"tier": 1}}, "cannot add to attribute 'tier': it holds a str, not a number"),
        ({"add": {"points": "1"}}, "the amount must be a number"),
        ({"set_values": {"id": "d"}}, "cannot update key attribute 'id'"),
        ({"set_values": {"a..b": 1}}, "invalid attribute path 'a..b'"),
    ],
)
def test_bad_updates_name_the_attribute(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        apply_update(ITEM, protected=["id"], **kwargs)  # type: ignore[arg-type]
