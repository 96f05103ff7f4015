#!/usr/bin/env bash
# Replay benchmark (docs/performance.md): generated events through rules, median of
# RUNS runs, with peak RSS from /usr/bin/time -v.
#   scripts/bench.sh [EVENTS] [KEYS] [RULES] [RUNS]     (WORKERS=N for replay --workers N)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}; keys=${2:-10000}; rules=${3:-rules/}; runs=${4:-3}
scripts/setup.sh
swift build -c release --product cepheus 2>&1 | tail -n 1 >&2
bin=.build/release/cepheus
data=${BENCH_DIR:-/tmp/cepheus-bench}
mkdir -p "$data"
input="$data/gen-$events-$keys.jsonl"
[ -s "$input" ] || "$bin" gen --events "$events" --keys "$keys" --seed 42 -o "$input"
results=()
for i in $(seq "$runs"); do
  /usr/bin/time -f "%e %M" -o "$data/time.$i" "$bin" replay --workers "${WORKERS:-1}" --rules "$rules" --events "$input" > /dev/null 2> "$data/stderr.$i"
  read -r secs rss < "$data/time.$i"
  results+=("$secs $rss")
  echo "run $i: ${secs}s, peak RSS $((rss / 1024)) MB — $(tail -n 1 "$data/stderr.$i")" >&2
done
printf '%s\n' "${results[@]}" | sort -n | awk -v n="$events" -v runs="$runs" '
  { t[NR] = $1; m[NR] = $2 }
  END { mid = int((runs + 1) / 2); printf "median %.2fs  %.0f events/s  peak RSS %.1f MB\n", t[mid], n / t[mid], m[mid] / 1024 }'
