"""Concurrent publications share one write, and a failure stays with the caller that caused it."""

from __future__ import annotations

import asyncio

import pytest

from paybus.core.errors import StoreUnavailable
from paybus.runtime.bus import coalescing
from paybus.runtime.bus.coalescing import PublicationBatcher
from paybus.store.bus.events import Publication, PublishOutcome


def publication(event_id: str, *, follows: bool = False) -> Publication:
    return Publication("bus", event_id, "{}", 0, follows=follows)


class Store:
    """A write that records what each call held, refuses a batch holding a "bad" event, and
    answers "seen before" for event ids starting with "dup"."""

    def __init__(self) -> None:
        self.writes: list[list[str]] = []

    async def write(self, publications: list[Publication]) -> PublishOutcome:
        await asyncio.sleep(0)
        ids = [p.event_id for p in publications]
        self.writes.append(ids)
        if "bad" in ids:
            raise StoreUnavailable("refused")
        return PublishOutcome(published=[not i.startswith("dup") for i in ids])


async def test_callers_on_one_turn_share_one_write_and_get_their_own_answers() -> None:
    store = Store()
    batcher = PublicationBatcher(store.write)
    answers = await asyncio.gather(
        batcher.publish([publication("a"), publication("a-copy", follows=True)]),
        batcher.publish([publication("dup-b")]),
        batcher.publish([publication("c")]),
    )
    assert store.writes == [["a", "a-copy", "dup-b", "c"]]
    assert list(answers) == [[True, True], [False], [True]]


async def test_a_refused_batch_is_written_again_per_caller() -> None:
    store = Store()
    batcher = PublicationBatcher(store.write)
    results = await asyncio.gather(
        batcher.publish([publication("a")]),
        batcher.publish([publication("bad")]),
        batcher.publish([publication("c")]),
        return_exceptions=True,
    )
    assert results[0] == [True] and results[2] == [True]
    assert isinstance(results[1], StoreUnavailable)
    assert store.writes == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]


async def test_a_full_batch_goes_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coalescing, "MAX_BATCH", 2)
    store = Store()
    batcher = PublicationBatcher(store.write)
    await asyncio.gather(*(batcher.publish([publication(str(n))]) for n in range(5)))
    assert store.writes == [["0", "1"], ["2", "3"], ["4"]]


async def test_a_caller_alone_is_written_alone_and_hears_its_error() -> None:
    store = Store()
    batcher = PublicationBatcher(store.write)
    with pytest.raises(StoreUnavailable):
        await batcher.publish([publication("bad")])
    assert await batcher.publish([publication("next")]) == [True]
    assert store.writes == [["bad"], ["next"]]
