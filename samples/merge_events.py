#!/usr/bin/env python3
"""Merge the per-rule sample event files into samples/events/all.jsonl.

Every samples/events/*.jsonl except all.jsonl is read; the events are sorted by
`ts` (a stable sort: events with equal `ts` keep file-name order, then line order)
and written, one compact JSON object a line, to samples/events/all.jsonl.

    python3 samples/merge_events.py        # from the repository root, or anywhere

The per-rule stories use disjoint users, cards, orders, services and IP addresses,
so replaying all.jsonl gives exactly the union of the alerts of the single files
(tests/all-samples.test.yaml checks that).
"""
import json
import pathlib

EVENTS = pathlib.Path(__file__).resolve().parent / "events"


def main() -> None:
    events = []
    for path in sorted(EVENTS.glob("*.jsonl")):
        if path.name == "all.jsonl":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip():
                event = json.loads(line)
                if not isinstance(event.get("ts"), (int, float)):
                    raise SystemExit(f"{path.name}:{number}: no numeric ts")
                events.append(event)
    events.sort(key=lambda event: event["ts"])
    ids = [event.get("id") for event in events]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise SystemExit(f"duplicate event ids: {sorted(duplicates)}")
    with open(EVENTS / "all.jsonl", "w") as out:
        for event in events:
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
    print(f"wrote {len(events)} events to {EVENTS / 'all.jsonl'}")


if __name__ == "__main__":
    main()
