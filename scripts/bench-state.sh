#!/usr/bin/env bash
# The durable-state benchmark (docs/state.md), with the release binary:
#  1. checkpoint duration and size for KEYS keys, each with a live partial match;
#  2. an incremental checkpoint after 1% of the keys changed;
#  3. restore time for the same state;
#  4. replay throughput on the standard 10,000,000 events (P2) with the RocksDB
#     backend and a checkpoint every 1,000,000 events, against the in-memory run
#     (medians of RUNS runs);
#  5. peak RSS while 5,000,000 keys are live under --state-memory-limit LIMIT;
#  6. peak RSS and time for KEYS live keys in memory: cold states compacted (the
#     default --hot-states) against all live (--hot-states 0), medians of RUNS runs.
#   scripts/bench-state.sh [KEYS] [RUNS] [LIMIT]     (default: 1000000 3 512MiB)
#   BENCH_DIR=DIR   where inputs and state go (default /tmp/cepheus-bench)
#   SKIP=...        steps to skip, e.g. SKIP="4 5"
set -euo pipefail
cd "$(dirname "$0")/.."
keys=${1:-1000000}; runs=${2:-3}; limit=${3:-512MiB}
scripts/setup.sh
swift build -c release --product cepheus 2>&1 | tail -n 1 >&2
bin=$PWD/.build/release/cepheus
data=${BENCH_DIR:-/tmp/cepheus-bench}
mkdir -p "$data/state-rules" "$data/p2-rules"
skip=" ${SKIP:-} "
# A then B for the same user within an hour: every A leaves one live partial match.
cat > "$data/state-rules/ab.yaml" <<'RULE'
id: a-then-b
key: user
within: 1h
skip: past_last_event
pattern:
  - {name: a, where: type == "A"}
  - {name: b, where: type == "B"}
RULE
cat > "$data/p2-rules/p2.yaml" <<'RULE'
id: p2
key: user
within: 1m
skip: past_last_event
pattern:
  - {name: a, where: type == "A"}
  - {name: b, where: type == "B", contiguity: relaxed}
RULE
# KEYS events with distinct users, then 1% of those users again.
unique_keys() {  # COUNT TOUCHED FILE
  python3 - "$1" "$2" "$3" <<'PY'
import sys
count, touched, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(path, "w") as out:
    ts = 1764000000000
    for i in range(count):
        out.write('{"ts":%d,"user":"user-%07d","type":"A","amount":%d}\n' % (ts + i // 1000, i, i % 997))
    for j in range(touched):
        i = (j * 7919) % count
        out.write('{"ts":%d,"user":"user-%07d","type":"A","amount":%d}\n' % (ts + count // 1000 + j // 1000, i, j % 991))
PY
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

if [[ $skip != *" 1 "* ]]; then
  input="$data/keys-$keys.jsonl"
  [ -s "$input" ] || unique_keys "$keys" $((keys / 100)) "$input"
  state="$data/state-$keys"
  rm -rf "$state"
  echo "== 1-2. checkpoints: $keys keys with a live partial match each, then 1% of them changed"
  "$bin" replay --rules "$data/state-rules" --events "$input" --state-dir "$state" --checkpoint-every "$keys" --stats \
    2>&1 >/dev/null | grep -E "checkpoint [0-9]+:|^events="
  du -sh "$state/checkpoints"/* | sed 's/^/size: /'
  echo "== 3. restore"
  for _ in $(seq "$runs"); do
    "$bin" replay --rules "$data/state-rules" --events "$input" --state-dir "$state" --resume 2>&1 >/dev/null | grep -E "restored"
  done
fi

if [[ $skip != *" 4 "* ]]; then
  standard="$data/standard-10000000.jsonl"
  [ -s "$standard" ] || python3 ../shared/bench/gen_events.py 10000000 "$standard"
  echo "== 4. replay of 10,000,000 standard events (P2): in memory, then RocksDB with a checkpoint every 1,000,000"
  memory=(); durable=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$data/time" "$bin" replay --rules "$data/p2-rules" --events "$standard" --out-of-orderness 1s >/dev/null 2>"$data/err"
    memory+=("$(cut -d' ' -f1 "$data/time")"); echo "in memory: $(cat "$data/time") (s, max RSS KiB); $(tail -n 1 "$data/err")"
    rm -rf "$data/state-p2"
    /usr/bin/time -f "%e %M" -o "$data/time" "$bin" replay --rules "$data/p2-rules" --events "$standard" --out-of-orderness 1s \
      --state-dir "$data/state-p2" --checkpoint-every 1000000 >/dev/null 2>"$data/err"
    durable+=("$(cut -d' ' -f1 "$data/time")"); echo "RocksDB:   $(cat "$data/time") (s, max RSS KiB); $(tail -n 1 "$data/err")"
  done
  m=$(printf '%s\n' "${memory[@]}" | median); d=$(printf '%s\n' "${durable[@]}" | median)
  echo "median: in memory ${m}s, RocksDB ${d}s, throughput ratio $(python3 -c "print(round($m/$d, 3))")"
fi

if [[ $skip != *" 5 "* ]]; then
  five="$data/keys-5000000.jsonl"
  [ -s "$five" ] || unique_keys 5000000 0 "$five"
  echo "== 5. 5,000,000 live keys under --state-memory-limit $limit"
  rm -rf "$data/state-5m"
  /usr/bin/time -f "%e s, max RSS %M KiB" -o "$data/time" "$bin" replay --rules "$data/state-rules" --events "$five" \
    --state-dir "$data/state-5m" --checkpoint-every 1000000 --state-memory-limit "$limit" >/dev/null 2>"$data/err"
  grep -E "^details|^events=" "$data/err"; cat "$data/time"
fi

if [[ $skip != *" 6 "* ]]; then
  input="$data/keys-$keys.jsonl"
  [ -s "$input" ] || unique_keys "$keys" $((keys / 100)) "$input"
  echo "== 6. $keys live keys in memory: compacted (default --hot-states) against all live (--hot-states 0)"
  for hot in 16384 0; do
    times=(); rss=()
    for _ in $(seq "$runs"); do
      /usr/bin/time -f "%e %M" -o "$data/time" "$bin" replay --rules "$data/state-rules" --events "$input" --hot-states "$hot" --stats \
        >/dev/null 2>"$data/err"
      times+=("$(cut -d' ' -f1 "$data/time")"); rss+=("$(cut -d' ' -f2 "$data/time")")
      echo "--hot-states $hot: $(cat "$data/time") (s, max RSS KiB); $(grep -o 'states_compacted=[0-9]* states_inflated=[0-9]*' "$data/err")"
    done
    echo "median --hot-states $hot: $(printf '%s\n' "${times[@]}" | median) s, $(printf '%s\n' "${rss[@]}" | median) KiB"
  done
fi
