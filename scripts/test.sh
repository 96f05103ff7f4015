#!/usr/bin/env bash
# The test command (README): sets up the machine, then runs every test there is:
# unit and end-to-end tests (swift test, debug), the Flink CEP conformance suite and the
# shipped rules' own tests against the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== Dockerfile: hadolint" >&2
scripts/lint-dockerfile.sh

echo "== swift test" >&2
swift test 2>&1 | tail -n 40

echo "== release build" >&2
swift build -c release --product cepheus 2>&1 | tail -n 5
bin=.build/release/cepheus

echo "== shipped rules: cepheus check rules/" >&2
"$bin" check rules/

echo "== shipped rules: cepheus test tests/*.test.yaml" >&2
"$bin" test tests/*.test.yaml

echo "== conformance (../shared/conformance)" >&2
python3 ../shared/conformance/run.py --bin "$bin" --must-pass Tests/conformance-passing.txt
