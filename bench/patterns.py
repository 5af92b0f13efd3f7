"""Benchmark: EventBridge pattern matching, compiled RuleMatcher against per-rule loops.

    .venv/bin/python bench/patterns.py [--quick] [--seed N]

Measures events per second at 10, 1,000 and 10,000 rules on two corpora: Stripe-style payment
events in EventBridge envelopes (source `aws.partner/stripe.com/...`, nested `detail`, ~2 KB),
and a larger nested corpus (invoices with 20-60 line items, ~15 KB). Rules are what a payments
platform routes on: per customer, per tenant with amount thresholds, currency/region alerts,
failures via `$or`, merchant e-mail wildcards, subscription states via anything-but, line items
(array-consistent), campaigns ignoring case. Their constants are drawn from populations of
50,000 customers, 5,000 tenants, 10,000 prices and 3,000 merchants, like the events' values, so
an event matches a handful of rules at most ("matches/event" is printed). Events are parsed
once beforehand; every peer gets the same parsed events. Peers measured in the same run:

- `naive`: a loop over the rules calling the reference evaluator (patterns precompiled);
- `moto`: moto's `moto.events.models.EventPattern` (a per-rule loop), when moto is importable.
  It is not a paybus dependency: `pip install --target /tmp/peers moto` and run with
  `PYTHONPATH=/tmp/peers` to include it.

Also: compiling 10,000 rules, matching a 256 KB event, and a check that the matcher and the
reference evaluator agree on every sampled event. Figures are medians of several repetitions.
The last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from paybus.core.events.patterns import (
    CompiledPattern,
    RuleMatcher,
    compile_pattern,
    matches_pattern,
)
from paybus.core.events.patterns.flatten import flatten_event
from paybus.core.events.patterns.reference import branch_matches

Event = dict[str, Any]
Pattern = dict[str, Any]

ACCOUNT = "111122223333"
SOURCE = "aws.partner/stripe.com/ed_a1b2c3"
TYPES = [
    "invoice.paid", "invoice.payment_failed", "invoice.finalized", "payment_intent.succeeded",
    "payment_intent.payment_failed", "charge.succeeded", "charge.refunded",
    "customer.subscription.created", "customer.subscription.updated",
    "customer.subscription.deleted", "checkout.session.completed", "payout.paid",
]  # fmt: skip
CURRENCIES = ["usd", "eur", "gbp", "jpy", "cad", "aud"]
REGIONS = ["us", "eu", "uk", "apac"]
STATUSES = ["active", "trialing", "past_due", "canceled", "unpaid", "incomplete"]
POOLS = {"customer": 50_000, "tenant": 5_000, "price": 10_000, "merchant": 3_000, "plan": 40}


def pick(rng: random.Random, pool: str) -> int:
    return rng.randrange(POOLS[pool])


# -- events -----------------------------------------------------------------------------------


def payment_event(rng: random.Random, line_items: int = 2) -> Event:
    """A Stripe event as EventBridge delivers it from a partner event source."""
    kind = rng.choice(TYPES)
    customer, tenant = pick(rng, "customer"), pick(rng, "tenant")
    amount = rng.choice([500, 1999, 4900, 12_000, 99_900, 250_000, 1_250_000])
    obj: dict[str, Any] = {
        "id": f"{kind.split('.')[0][:3]}_{rng.getrandbits(48):012x}",
        "object": kind.split(".")[0],
        "amount": amount,
        "amount_paid": amount if "paid" in kind or "succeeded" in kind else 0,
        "amount_due": amount,
        "currency": rng.choice(CURRENCIES),
        "customer": f"cus_{customer:05d}",
        "customer_email": f"buyer{customer}@merchant{pick(rng, 'merchant')}.example",
        "status": rng.choice(STATUSES),
        "livemode": rng.random() < 0.9,
        "created": 1_709_836_076 + rng.randrange(10_000_000),
        "description": None if rng.random() < 0.3 else "Subscription update",
        "metadata": {
            "tenant": f"tenant_{tenant:04d}",
            "plan": f"plan_{pick(rng, 'plan'):02d}",
            "region": rng.choice(REGIONS),
        },
        "lines": {
            "object": "list",
            "data": [line_item(rng) for _ in range(line_items)],
            "has_more": False,
            "total_count": line_items,
        },
        "payment_method_details": {
            "card": {"brand": rng.choice(["visa", "mastercard", "amex"]), "last4": "4242"},
        },
    }
    if rng.random() < 0.1:
        obj["metadata"]["campaign"] = rng.choice(["spring_1", "SPRING_2", "summer_3"])
    event_id = f"evt_{rng.getrandbits(64):016x}"
    return {
        "version": "0",
        "id": f"{rng.getrandbits(128):032x}",
        "detail-type": kind,
        "source": SOURCE,
        "account": ACCOUNT,
        "time": "2024-03-07T18:27:56Z",
        "region": "us-west-2",
        "resources": [f"arn:aws:events:us-west-2::event-source/{SOURCE}"],
        "detail": {
            "id": event_id,
            "object": "event",
            "api_version": "2023-10-16",
            "created": obj["created"],
            "type": kind,
            "livemode": obj["livemode"],
            "pending_webhooks": 1,
            "request": {"id": f"req_{rng.getrandbits(40):010x}", "idempotency_key": None},
            "data": {"object": obj, "previous_attributes": {"status": "incomplete"}},
        },
    }


def line_item(rng: random.Random) -> dict[str, Any]:
    price = pick(rng, "price")
    return {
        "id": f"il_{rng.getrandbits(40):010x}",
        "object": "line_item",
        "amount": rng.choice([100, 900, 2500, 9900]),
        "quantity": rng.randint(1, 20),
        "description": f"Seat licence tier {price % 7}",
        "period": {"start": 1_709_836_076, "end": 1_712_514_476},
        "price": {
            "id": f"price_{price:04d}",
            "product": f"prod_{price // 3:04d}",
            "unit_amount": 900,
            "recurring": {"interval": rng.choice(["month", "year"]), "interval_count": 1},
            "metadata": {"sku": f"SKU-{price:04d}", "tier": str(price % 7)},
        },
    }


def nested_event(rng: random.Random) -> Event:
    """A larger event: an invoice with many line items and deeper metadata."""
    event = payment_event(rng, line_items=rng.randint(20, 60))
    obj = event["detail"]["data"]["object"]
    obj["customer_details"] = {
        "address": {"country": rng.choice(["US", "DE", "GB", "JP"]), "postal_code": "94107"},
        "tax_ids": [{"type": "eu_vat", "value": f"DE{rng.getrandbits(30)}"}],
    }
    obj["discounts"] = [{"coupon": {"id": f"co_{i}", "percent_off": 10 * i}} for i in range(3)]
    return event


def big_event(rng: random.Random, target_bytes: int = 256 * 1024) -> Event:
    event = payment_event(rng, line_items=0)
    lines = event["detail"]["data"]["object"]["lines"]["data"]
    while len(json.dumps(event)) < target_bytes:
        lines.extend(line_item(rng) for _ in range(50))
    return event


# -- rules ------------------------------------------------------------------------------------


def obj_pattern(**fields: Any) -> Pattern:
    return {"detail": {"data": {"object": fields}}}


def make_rule(rng: random.Random, index: int) -> Pattern:
    kind = index % 8
    tenant = f"tenant_{pick(rng, 'tenant'):04d}"
    if kind == 0:  # route one customer's events of one type
        rule = obj_pattern(customer=[f"cus_{pick(rng, 'customer'):05d}"])
        source = [{"prefix": "aws.partner/stripe.com"}]
        return {"source": source, "detail-type": [rng.choice(TYPES)], **rule}
    if kind == 1:  # a tenant's large paid invoices
        rule = obj_pattern(
            metadata={"tenant": [tenant]},
            amount_paid=[{"numeric": [">=", rng.choice([1000, 10_000, 100_000])]}],
        )
        return {"detail-type": ["invoice.paid"], **rule}
    if kind == 2:  # high-value payments in one currency and region
        return {
            "detail-type": ["charge.succeeded", "payment_intent.succeeded"],
            **obj_pattern(
                currency=[rng.choice(CURRENCIES)],
                amount=[{"numeric": [">", rng.choice([50_000, 200_000, 1_000_000])]}],
                metadata={"region": [rng.choice(REGIONS)], "tenant": [tenant]},
            ),
        }
    if kind == 3:  # failures for a tenant, by type or by status
        return {
            "source": [{"prefix": "aws.partner/stripe.com"}],
            "$or": [
                {"detail-type": [{"suffix": ".payment_failed"}]},
                obj_pattern(status=["past_due", "unpaid"]),
            ],
            **obj_pattern(metadata={"tenant": [tenant]}),
        }
    if kind == 4:  # a merchant's buyers, by e-mail domain
        domain = f"merchant{pick(rng, 'merchant')}.example"
        return obj_pattern(customer_email=[{"wildcard": f"*@{domain}"}], livemode=[True])
    if kind == 5:  # subscriptions of one plan leaving the happy states
        return {
            "detail-type": [{"prefix": "customer.subscription."}],
            **obj_pattern(
                status=[{"anything-but": ["active", "trialing"]}],
                metadata={"plan": [f"plan_{pick(rng, 'plan'):02d}"], "tenant": [tenant]},
            ),
        }
    if kind == 6:  # bulk purchases of one price (array-consistent within a line item)
        return obj_pattern(
            lines={
                "data": {
                    "price": {"id": [f"price_{pick(rng, 'price'):04d}"]},
                    "quantity": [{"numeric": [">=", rng.randint(5, 15)]}],
                }
            }
        )
    campaign = [{"equals-ignore-case": f"spring_{rng.randint(1, 3)}"}]
    return obj_pattern(  # campaign attribution, any casing, only with a description
        metadata={"campaign": campaign, "tenant": [tenant]}, description=[{"exists": True}]
    )


def make_rules(rng: random.Random, count: int) -> dict[str, Pattern]:
    return {f"rule-{i:05d}": make_rule(rng, i) for i in range(count)}


# -- peers ------------------------------------------------------------------------------------


def compiled_peer(rules: Mapping[str, Pattern]) -> Callable[[Event], set[str]]:
    matcher = RuleMatcher()
    for rule_id, pattern in rules.items():
        matcher.add_rule(rule_id, pattern)
    return matcher.matches


def naive_peer(rules: Mapping[str, Pattern]) -> Callable[[Event], set[str]]:
    compiled: dict[str, CompiledPattern] = {r: compile_pattern(p) for r, p in rules.items()}
    return lambda event: {r for r, p in compiled.items() if matches_pattern(p, event)}


def reference_all(rules: Mapping[str, Pattern]) -> Callable[[Event], set[str]]:
    """The reference evaluator over all rules, flattening each event once (for checking)."""
    compiled = {r: compile_pattern(p) for r, p in rules.items()}

    def matching(event: Event) -> set[str]:
        fields = flatten_event(event)
        return {
            rule_id
            for rule_id, pattern in compiled.items()
            if any(branch_matches(branch, fields) for branch in pattern.branches)
        }

    return matching


def moto_peer(rules: Mapping[str, Pattern]) -> Callable[[Event], set[str]] | None:
    try:
        from moto.events.models import EventPattern  # type: ignore[import-not-found]
    except ImportError:
        return None
    loaded = {r: EventPattern.load(json.dumps(p)) for r, p in rules.items()}
    return lambda event: {r for r, p in loaded.items() if p.matches_event(event)}


# -- measuring --------------------------------------------------------------------------------

COUNTS = (10, 1_000, 10_000)


def events_per_second(match: Callable[[Event], Any], events: list[Event], budget: float) -> float:
    """Events/s matching `events` round-robin for about `budget` seconds."""
    done, started = 0, time.perf_counter()
    while True:
        for event in events:
            match(event)
            done += 1
            elapsed = time.perf_counter() - started
            if elapsed >= budget:
                return done / elapsed


def median_seconds(action: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def agreement(
    matcher: Callable[[Event], set[str]],
    reference: Callable[[Event], set[str]],
    events: Iterable[Event],
) -> str:
    """ "agreeing/checked": events where the matcher and the reference evaluator agree."""
    results = [matcher(event) == reference(event) for event in events]
    return f"{sum(results)}/{len(results)}"


def measure_corpus(
    corpus: str,
    events: list[Event],
    all_rules: dict[str, Pattern],
    budget: float,
    repeats: int,
    slow_peers_at_10k: bool,
) -> dict[str, Any]:
    """Median events/s per rule count and peer; the configurations are measured interleaved
    (one round over all of them per repetition) so load changes hit them alike. The per-rule
    peers need seconds per event at 10,000 rules: they get one short round there."""
    runs: dict[tuple[int, str], tuple[Callable[[Event], Any], list[Event]]] = {}
    figures: dict[str, Any] = {}
    for count in COUNTS:
        rules = dict(list(all_rules.items())[:count])
        compiled = compiled_peer(rules)
        runs[(count, "compiled")] = (compiled, events)
        if count < 10_000 or slow_peers_at_10k:
            peer_events = events[: max(2, min(len(events), 4_000 // count))]
            runs[(count, "naive")] = (naive_peer(rules), peer_events)
            moto = moto_peer(rules)
            if moto is not None:
                runs[(count, "moto")] = (moto, peer_events)
        checked = events[: max(4, min(40, 40_000 // count))]
        figures[str(count)] = {
            "matches_per_event": statistics.mean(len(compiled(e)) for e in events),
            "agreement": agreement(compiled, reference_all(rules), checked),
        }
    rates: dict[tuple[int, str], list[float]] = {key: [] for key in runs}
    for repetition in range(repeats):
        for key, (match, sample) in runs.items():
            if key[1] == "compiled":
                rates[key].append(events_per_second(match, sample, budget))
            elif key[0] < 10_000 or repetition == 0:
                rates[key].append(events_per_second(match, sample, budget / 2))
    for (count, peer), values in rates.items():
        figures[str(count)][peer] = statistics.median(values)
    for count in COUNTS:
        row = figures[str(count)]
        for peer in ("naive", "moto"):
            if peer in row:
                row[f"ratio_vs_{peer}"] = row["compiled"] / row[peer]
        print_row(corpus, count, row)
    scaling = figures["10000"]["compiled"] / figures["10"]["compiled"]
    figures["scaling_10k_vs_10"] = scaling
    print(f"  {corpus}: events/s at 10,000 rules / at 10 rules = {scaling:.2f}")
    return figures


def print_row(corpus: str, count: int, row: Mapping[str, Any]) -> None:
    parts = [f"{corpus:9s} {count:>6,d} rules: compiled {row['compiled']:>9,.0f} ev/s"]
    for peer in ("naive", "moto"):
        if peer in row:
            parts.append(f"{peer} {row[peer]:>9,.1f} ev/s (x{row[f'ratio_vs_{peer}']:,.0f})")
    parts.append(f"matches/event {row['matches_per_event']:.2f}, agree {row['agreement']}")
    print(" | ".join(parts))


def measure_extremes(
    rng: random.Random, all_rules: dict[str, Pattern], repeats: int
) -> dict[str, Any]:
    compile_seconds = median_seconds(lambda: compiled_peer(all_rules), max(1, repeats // 2))
    matcher = compiled_peer(all_rules)
    event = big_event(rng)
    size = len(json.dumps(event))
    big_seconds = median_seconds(lambda: matcher(event), repeats)
    agree = matcher(event) == reference_all(all_rules)(event)
    print(f"compile 10,000 rules: {compile_seconds:.2f} s")
    print(f"{size / 1024:.0f} KB event, 10,000 rules: {big_seconds * 1000:.1f} ms (agree: {agree})")
    return {
        "compile_10k_rules_s": compile_seconds,
        "big_event_bytes": size,
        "big_event_ms": big_seconds * 1000,
        "big_event_agree": agree,
    }


def run(quick: bool, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    budget, repeats = (0.2, 3) if quick else (0.6, 5)
    corpora = {
        "payments": [payment_event(rng) for _ in range(400)],
        "nested": [nested_event(rng) for _ in range(100)],
    }
    all_rules = make_rules(rng, max(COUNTS))
    has_moto = moto_peer({}) is not None
    result: dict[str, Any] = {"quick": quick, "seed": seed, "python": sys.version.split()[0]}
    result["moto_available"] = has_moto
    print(f"peers: compiled RuleMatcher | naive reference loop{' | moto' if has_moto else ''}")
    for corpus, events in corpora.items():
        slow_peers = not quick or corpus == "payments"
        result[corpus] = measure_corpus(corpus, events, all_rules, budget, repeats, slow_peers)
    result.update(measure_extremes(rng, all_rules, repeats))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, fewer repetitions")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    result = run(args.quick, args.seed)
    payments = result["payments"]
    summary = {
        "events_per_s_1000_rules": round(payments["1000"]["compiled"]),
        "events_per_s_10_rules": round(payments["10"]["compiled"]),
        "events_per_s_10000_rules": round(payments["10000"]["compiled"]),
        "scaling_10k_vs_10": round(payments["scaling_10k_vs_10"], 3),
        "nested_scaling_10k_vs_10": round(result["nested"]["scaling_10k_vs_10"], 3),
        "ratio_vs_moto_1000": _rounded(payments["1000"].get("ratio_vs_moto")),
        "ratio_vs_naive_1000": _rounded(payments["1000"].get("ratio_vs_naive")),
        "moto_events_per_s_1000_rules": _rounded(payments["1000"].get("moto")),
        "compile_10k_rules_s": round(result["compile_10k_rules_s"], 3),
        "big_event_ms": round(result["big_event_ms"], 2),
    }
    print("RESULT " + json.dumps({**summary, "detail": result}, default=str))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


if __name__ == "__main__":
    main()
