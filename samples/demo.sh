#!/usr/bin/env bash
# The demo: starts the webhook receiver (`cepheus receiver`, checking signatures), the
# daemon with samples/cepheus.yaml, streams the sample events into it, and shows the
# alerts arriving at the receiver. Everything runs on 127.0.0.1 and is stopped (by PID)
# at the end. Ports: CEPHEUS_DEMO_PORT (8080) and CEPHEUS_DEMO_RECEIVER_PORT (9000).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
swift build -c release --product cepheus 2>&1 | tail -n 1 >&2
bin=.build/release/cepheus

port=${CEPHEUS_DEMO_PORT:-8080}
receiver_port=${CEPHEUS_DEMO_RECEIVER_PORT:-9000}
work=$(mktemp -d)
export CEPHEUS_DEMO_STATE="$work/data" CEPHEUS_DEMO_SECRET=${CEPHEUS_DEMO_SECRET:-demo-secret}
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" receiver --listen "127.0.0.1:$receiver_port" --secret "$CEPHEUS_DEMO_SECRET" > "$work/received.jsonl" 2> "$work/receiver.log" &
pids+=($!)
"$bin" run --config samples/cepheus.yaml > "$work/alerts.jsonl" 2> "$work/daemon.log" &
pids+=($!)
for _ in $(seq 1 100); do
  "$bin" health --ready --url "http://127.0.0.1:$port" >/dev/null 2>&1 && break
  sleep 0.1
done
"$bin" health --ready --url "http://127.0.0.1:$port" >&2

echo "demo: streaming samples/events/all.jsonl into the daemon" >&2
python3 - "$port" <<'PY'
import http.client, sys, time
port = int(sys.argv[1])
lines = open("samples/events/all.jsonl", "rb").read().splitlines(keepends=True)
for start in range(0, len(lines), 20):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/v1/events", body=b"".join(lines[start:start + 20]))
    response = connection.getresponse()
    response.read()
    connection.close()
    time.sleep(0.05)
PY

# The last windows close once event time moves on (idle_timeout: 2s).
expected=0
for _ in $(seq 1 100); do
  sleep 0.2
  expected=$(wc -l < "$work/alerts.jsonl")
  got=$(wc -l < "$work/received.jsonl")
  if [ "$expected" -gt 0 ] && [ "$got" -ge "$expected" ] && [ "$SECONDS" -gt 5 ]; then break; fi
done
echo "demo: what the receiver got (one line per webhook call):" >&2
python3 - "$work/received.jsonl" <<'PY'
import json, sys
valid = 0
for line in open(sys.argv[1]):
    request = json.loads(line)
    alert = request["body"]
    valid += request["signature"] == "valid"
    print(f'  {request["signature"]:>8}  {alert["rule"]:<28} {alert["title"]}')
print(f"demo: {valid} alerts delivered with a valid signature", file=sys.stderr)
PY
echo "demo: $(wc -l < "$work/alerts.jsonl") alerts emitted, $(wc -l < "$work/received.jsonl") delivered" >&2
