#!/usr/bin/env bash
# The main job (README): set up, build, and replay the sample events through the
# shipped rules, printing every alert as a JSON line on stdout (summary on stderr).
# Until the daemon exists this is what Cepheus "runs".
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
swift build -c release --product cepheus 2>&1 | tail -n 3 >&2
exec .build/release/cepheus replay --rules rules/ --events samples/events/all.jsonl "$@"
