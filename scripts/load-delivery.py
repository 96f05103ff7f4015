#!/usr/bin/env python3
"""Webhook delivery measurement (issue 6's acceptance figure).

Starts `cepheus receiver` and a daemon whose one rule alerts on every `type: A` event,
with a webhook receiver of concurrency 4 and a signing secret (processing-time mode, so
each alert is due the moment its event is taken). First saturated: posts N such events
at once (batches of 1,000) and reports alerts delivered per second (first to last
arrival at the receiver). Then paced at half that rate (batches of 100). For each, per
alert, the time from the match (its outbox created_at) to the receiver taking it
(received_at, just before the 2xx): p50, p99, max. Medians over --runs.

Usage: scripts/load-delivery.py [--bin .build/release/cepheus] [--alerts 20000] [--runs 3]
Talks to 127.0.0.1 only; every process it starts is stopped by its PID.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wait_ready(port, path):
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"nothing ready on port {port}")


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_once(args, work, rate=None):
    os.makedirs(f"{work}/rules", exist_ok=True)
    with open(f"{work}/rules/each-a.yaml", "w") as f:
        f.write('id: each-a\nkey: user\npattern:\n  - {name: a, where: type == "A"}\n')
    with open(f"{work}/cepheus.yaml", "w") as f:
        f.write(
            f"state: {{dir: {work}/data}}\n"
            f"rules: {{paths: [{work}/rules]}}\n"
            f"time: {{mode: processing}}\n"
            f"http: {{listen: 127.0.0.1:{args.port}, max_body: 64MiB}}\n"
            f"receivers:\n  hook: {{type: webhook, url: 'http://127.0.0.1:{args.receiver_port}/hook', concurrency: 4, secret: s}}\n"
            f"default_receivers: [hook]\n"
        )
    received = open(f"{work}/received.jsonl", "w")
    receiver = subprocess.Popen([args.bin, "receiver", "--listen", f"127.0.0.1:{args.receiver_port}", "--secret", "s"],
                                stdout=received, stderr=subprocess.DEVNULL)
    daemon = subprocess.Popen([args.bin, "run", "--config", f"{work}/cepheus.yaml"], stdout=subprocess.DEVNULL,
                              stderr=open(f"{work}/daemon.err", "w"))
    try:
        wait_ready(args.receiver_port, "/healthz")
        wait_ready(args.port, "/readyz")
        batch = 100 if rate else 1000
        began = time.time()
        for start in range(0, args.alerts, batch):
            if rate:
                delay = began + start / rate - time.time()
                if delay > 0:
                    time.sleep(delay)
            body = "".join(f'{{"type":"A","user":"u{i}"}}\n' for i in range(start, min(start + batch, args.alerts)))
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
            connection.request("POST", "/v1/events", body=body.encode())
            assert connection.getresponse().status == 202
            connection.close()
        deadline = time.time() + 120
        while time.time() < deadline:
            received.flush()
            with open(f"{work}/received.jsonl") as f:
                count = sum(1 for _ in f)
            if count >= args.alerts:
                break
            time.sleep(0.2)
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
        connection.request("GET", "/v1/alerts?limit=10000")
        created = {item["alert"]["id"]: item["created_at"] for item in json.loads(connection.getresponse().read())["alerts"]}
    finally:
        stop(daemon)
        stop(receiver)
    arrivals = [json.loads(line) for line in open(f"{work}/received.jsonl")]
    valid = sum(1 for a in arrivals if a["signature"] == "valid")
    times = [a["received_at"] for a in arrivals]
    rate = len(arrivals) / max(0.001, (max(times) - min(times)) / 1000)
    latencies = sorted(a["received_at"] - created[a["alert_id"]] for a in arrivals if a["alert_id"] in created)
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    return len(arrivals), valid, rate, pick(0.5), pick(0.99), latencies[-1], len(latencies)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/release/cepheus"))
    parser.add_argument("--alerts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--receiver-port", type=int, default=19090)
    args = parser.parse_args()
    def measure(label, rate=None):
        results = []
        for run in range(args.runs):
            work = tempfile.mkdtemp(prefix="cepheus-delivery-")
            try:
                count, valid, achieved, p50, p99, worst, sampled = run_once(args, work, rate)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            print(f"{label} run {run + 1}: {count} delivered ({valid} valid signatures), {achieved:,.0f} alerts/s; "
                  f"match -> 2xx over the newest {sampled}: p50 {p50} ms, p99 {p99} ms, max {worst} ms", flush=True)
            results.append((achieved, p50, p99))
        print(f"{label} median: {statistics.median(r[0] for r in results):,.0f} alerts/s, "
              f"p50 {statistics.median(r[1] for r in results)} ms, p99 {statistics.median(r[2] for r in results)} ms", flush=True)
        return statistics.median(r[0] for r in results)

    # Saturated: every alert at once (the latency is then the queue's), then paced at
    # half that rate (the latency a receiver sees in normal operation).
    capacity = measure("saturated")
    measure(f"paced at {capacity / 2:,.0f}/s", rate=capacity / 2)


if __name__ == "__main__":
    main()
