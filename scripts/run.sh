#!/usr/bin/env bash
# The main job (README): set up, build, and run the daemon on its embedded defaults —
# rules from ./rules, state in ./data, events by POST to http://127.0.0.1:8080/v1/events,
# alerts as JSON lines on stdout — until SIGTERM or Ctrl-C (graceful: final checkpoint).
# Extra arguments go to `cepheus run` (e.g. --config samples/cepheus.yaml).
# To replay the sample events offline instead:
#   .build/release/cepheus replay --rules rules/ --events samples/events/all.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
swift build -c release --product cepheus 2>&1 | tail -n 3 >&2
exec .build/release/cepheus run "$@"
