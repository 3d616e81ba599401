"""Dispatch rules evaluation per ticket: the default set and a set of 500 rules.

Pure (no database): ``python bench/bench_rules.py [--tickets N] [--rounds R]``. Prints the
mean and p50/p99 time of one ``evaluate()`` (explanation included, with names as the
service passes them) and the time to compile each set once. Target: under 50 µs per ticket.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline.dispatch.rules import CompiledRules, TicketFacts, default_rules, evaluate  # noqa: E402

REFERENCE = tomllib.loads((ROOT / "hotline" / "data" / "reference.toml").read_text(encoding="utf-8"))
TYPES = [t["code"] for t in REFERENCE["protection_types"]]
CATEGORIES = [c["code"] for c in REFERENCE["subject_categories"]]
STREETS = [s["code"] for s in REFERENCE["streets"]]
URGENCIES = [u["code"] for u in REFERENCE["urgencies"]]
CHANNELS = ["phone", "sms", "voicemail", "web", "walk_in"]
DEPARTMENTS = [d["code"] for d in REFERENCE["departments"]]
LABELS = {
    "departments": {d["code"]: d["name"] for d in REFERENCE["departments"]}
    | {f"street:{s['code']}": s["name"] for s in REFERENCE["streets"]},
    "protection_types": {t["code"]: t["name"] for t in REFERENCE["protection_types"]},
    "subject_categories": {c["code"]: c["name"] for c in REFERENCE["subject_categories"]},
}


def many_rules(count: int, rng: random.Random) -> list[dict]:
    """``count`` rules: specific ones (street x category x urgency x type...) before the defaults."""
    defaults = default_rules(REFERENCE["protection_types"])
    specific = []
    for i in range(count - len(defaults)):
        when: dict[str, list[str]] = {"primary_protection_type": [rng.choice(TYPES)]}
        if rng.random() < 0.7:
            when["streets"] = rng.sample(STREETS, rng.randint(1, 2))
        if rng.random() < 0.7:
            when["subject_categories"] = rng.sample(CATEGORIES, rng.randint(1, 3))
        if rng.random() < 0.4:
            when["urgencies"] = [rng.choice(URGENCIES)]
        if rng.random() < 0.2:
            when["channels"] = [rng.choice(CHANNELS)]
        if rng.random() < 0.2:
            when["other_protection_types"] = [rng.choice(TYPES)]
        specific.append(
            {
                "name": f"rule-{i}",
                "when": when,
                "then": {"lead": rng.choice(DEPARTMENTS), "assist": ["street", rng.choice(DEPARTMENTS)]},
            }
        )
    return specific + defaults


def tickets(count: int, rng: random.Random) -> list[TicketFacts]:
    out = []
    for _ in range(count):
        types = rng.sample(TYPES, rng.choice([1, 1, 2, 3]))
        out.append(
            TicketFacts(
                protection_types=tuple(types),
                subject_categories=tuple(rng.sample(CATEGORIES, rng.randint(0, 2))),
                street=rng.choice([*STREETS, None]),
                urgency=rng.choice(URGENCIES),
                channel=rng.choice(CHANNELS),
            )
        )
    return out


def measure(name: str, rules: list[dict], facts: list[TicketFacts], rounds: int) -> float:
    started = time.perf_counter()
    compiled = CompiledRules(rules)
    compile_ms = (time.perf_counter() - started) * 1000
    for ticket in facts[:200]:  # warm up
        evaluate(compiled, ticket, labels=LABELS)
    samples = []
    matched = 0
    for _ in range(rounds):
        for ticket in facts:
            t0 = time.perf_counter_ns()
            decision = evaluate(compiled, ticket, labels=LABELS)
            samples.append(time.perf_counter_ns() - t0)
            matched += decision.routed
    samples.sort()
    mean_us = statistics.fmean(samples) / 1000
    p50, p99 = samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.99)] / 1000
    print(
        f"{name:<22} rules={len(rules):<4} compile={compile_ms:7.2f} ms   per ticket: mean={mean_us:6.2f} µs "
        f"p50={p50:6.2f} µs p99={p99:6.2f} µs   routed={matched / len(samples):.0%}   target <50 µs: "
        + ("met" if mean_us < 50 else "NOT met")
    )
    return mean_us


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    facts = tickets(args.tickets, rng)
    print(f"rules evaluation, {args.tickets} random tickets x {args.rounds} rounds (Python {sys.version.split()[0]})")
    default_us = measure("default set", default_rules(REFERENCE["protection_types"]), facts, args.rounds)
    large_us = measure("500 rules", many_rules(500, rng), facts, args.rounds)
    print(f"ratio 500 rules / default set: {large_us / default_us:.2f}x")


if __name__ == "__main__":
    main()
