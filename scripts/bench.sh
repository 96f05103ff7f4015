#!/usr/bin/env bash
# The performance benchmark (docs/performance.md): the standard patterns P1-P3 over the
# events of ../shared/bench/gen_events.py, and the shipped rules over `cepheus gen`
# events, each through `cepheus bench` (medians of RUNS runs).
#   scripts/bench.sh [EVENTS] [RUNS] [WORKLOAD...]     (default: 1000000 3 p1 p2 p3 rules)
#   WORKERS=N       end-to-end runs on N worker threads (default 1)
#   BENCH_DIR=DIR   where the generated inputs are kept (default /tmp/cepheus-bench)
#   BENCH_FLAGS=... extra flags for cepheus bench (e.g. --json, --end-to-end-only)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}; runs=${2:-3}; shift $(( $# > 2 ? 2 : $# ))
workloads=("$@"); [ ${#workloads[@]} -gt 0 ] || workloads=(p1 p2 p3 rules)
scripts/setup.sh
swift build -c release --product cepheus 2>&1 | tail -n 1 >&2
bin=.build/release/cepheus
data=${BENCH_DIR:-/tmp/cepheus-bench}
mkdir -p "$data"
standard="$data/standard-$events.jsonl"
generated="$data/gen-$events-10000.jsonl"
for workload in "${workloads[@]}"; do
  if [ "$workload" = rules ]; then
    [ -s "$generated" ] || "$bin" gen --events "$events" --keys 10000 --seed 42 -o "$generated"
    input=$generated
  else
    [ -s "$standard" ] || python3 ../shared/bench/gen_events.py "$events" "$standard"
    input=$standard
  fi
  # shellcheck disable=SC2086
  "$bin" bench --workload "$workload" --events "$input" --rules rules/ --runs "$runs" --workers "${WORKERS:-1}" ${BENCH_FLAGS:-}
done
