#!/usr/bin/env python3
"""HTTP ingest load measurement for `cepheus run` (issue 5's acceptance figure).

Phase 1, sustained rate: a fresh daemon (event time, out_of_orderness 5 min, covering the clients' interleaving; the shipped
rules, alerts to the outbox and stdout -> /dev/null) takes `cepheus gen` events as
POST /v1/events batches of 1,000 from 4 concurrent clients as fast as it answers. Reported:
the acknowledged rate (events appended and synced to the ingest log per second) and the
sustained rate (events the runtime has also matched per second: from the first request
until cepheus_events_total reaches the total).

Phase 2, latency: a fresh daemon in processing-time mode (so an alert is due the moment
its last event is ingested) takes the same events paced at 50% of phase 1's sustained
rate. For each match alert in the outbox (GET /v1/alerts), latency = its created_at (when
it entered the outbox) minus the moment its last event's batch was sent (and, second
figure, minus the moment that batch was acknowledged). Reported: p50, p99, max.

Usage: scripts/load-http.py [--bin .build/release/cepheus] [--events 2000000] [--runs 3]
Talks to 127.0.0.1 only; every daemon it starts is stopped by its PID.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_daemon(binary, work, port, mode, workers="auto", interval="10s"):
    os.makedirs(work, exist_ok=True)
    config = os.path.join(work, "cepheus.yaml")
    with open(config, "w") as f:
        f.write(
            f"state: {{dir: {work}/data}}\n"
            f"checkpoint: {{interval: {interval}}}\n"
            f"rules: {{paths: [{ROOT}/rules]}}\n"
            f"time: {{mode: {mode}, out_of_orderness: 5m}}\n"
            f"http: {{listen: 127.0.0.1:{port}, max_body: 64MiB}}\n"
            f"workers: {workers}\n"
        )
    err = open(os.path.join(work, "daemon.err"), "w")
    process = subprocess.Popen([binary, "run", "--config", config], stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            status, _ = request(port, "GET", "/readyz")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the daemon did not become ready: {open(os.path.join(work, 'daemon.err')).read()}")


def stop_daemon(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def request(port, method, path, body=None, connection=None):
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


def metric(port, name):
    _, body = request(port, "GET", "/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def post_batches(port, batches, clients, pace=None):
    """Sends every batch (in index order, `clients` at a time); returns per-batch
    (send time, ack time). With `pace` (seconds between batches), batch i is sent no
    earlier than start + i * pace."""
    sent = [0.0] * len(batches)
    acked = [0.0] * len(batches)
    lock = threading.Lock()
    cursor = [0]
    failures = []
    start = time.time()

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = cursor[0]
                cursor[0] += 1
            if index >= len(batches):
                break
            if pace:
                delay = start + index * pace - time.time()
                if delay > 0:
                    time.sleep(delay)
            sent[index] = time.time()
            status, body = request(port, "POST", "/v1/events", batches[index], connection)
            acked[index] = time.time()
            if status != 202:
                failures.append((index, status, body[:200]))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} batches failed, e.g. {failures[0]}")
    return start, sent, acked


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/release/cepheus"))
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--workers", default="auto", help="the daemon's workers: (default auto, one per core)")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--checkpoint-interval", default="10s")
    parser.add_argument("--sustained", type=float, help="skip phase 1: take this as the sustained rate")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="cepheus-load-")
    try:
        events = os.path.join(work, "events.jsonl")
        subprocess.run([args.bin, "gen", "--events", str(args.events), "--keys", str(args.keys), "--output", events], check=True)
        with open(events, "rb") as f:
            lines = f.read().splitlines()
        # Each event carries its batch number ("lb"), so an alert's events tell which
        # batch completed it (phase 2).
        batches = [
            b"".join(line[:-1] + b',"lb":%d}\n' % (i // args.batch) for line in lines[i:i + args.batch])
            for i in range(0, len(lines), args.batch)
        ]
        total = len(lines)
        print(f"{total} events in {len(batches)} batches of {args.batch}, {args.clients} clients", flush=True)

        acknowledged, sustained = [], [args.sustained] if args.sustained else []
        for run in range(0 if args.sustained else args.runs):
            daemon = start_daemon(args.bin, os.path.join(work, f"rate{run}"), args.port, "event", args.workers, args.checkpoint_interval)
            try:
                start, _, acked = post_batches(args.port, batches, args.clients)
                ack_rate = total / (max(acked) - start)
                while metric(args.port, "cepheus_events_total") < total:
                    time.sleep(0.01)
                done = time.time()
                # Metrics are published about once a second: the figure is conservative.
                rate = total / (done - start)
                late = metric(args.port, "cepheus_events_late_total")
                acknowledged.append(ack_rate)
                sustained.append(rate)
                print(f"run {run + 1}: acknowledged {ack_rate:,.0f} events/s, sustained {rate:,.0f} events/s (late {late:.0f})", flush=True)
            finally:
                stop_daemon(daemon)
        rate = statistics.median(sustained)
        if acknowledged:
            print(f"median: acknowledged {statistics.median(acknowledged):,.0f} events/s, sustained {rate:,.0f} events/s", flush=True)

        if args.skip_latency:
            return
        # Phase 2: 50% of the sustained rate, processing time.
        pace = args.batch / (0.5 * rate)
        daemon = start_daemon(args.bin, os.path.join(work, "latency"), args.port, "processing", args.workers, args.checkpoint_interval)
        try:
            start, sent, acked = post_batches(args.port, batches, args.clients, pace=pace)
            elapsed = max(acked) - start
            time.sleep(1.0)
            _, body = request(args.port, "GET", "/v1/alerts?limit=10000")
            alerts = json.loads(body)["alerts"]
        finally:
            stop_daemon(daemon)
        from_send, from_ack = [], []
        for item in alerts:
            alert = item["alert"]
            if alert["kind"] != "match":
                continue
            numbers = [event["lb"] for step in alert["events"].values() for event in step if "lb" in event]
            if not numbers:
                continue
            batch = max(numbers)
            from_send.append(item["created_at"] / 1000 - sent[batch])
            from_ack.append(item["created_at"] / 1000 - acked[batch])
        print(f"latency phase: {total / elapsed:,.0f} events/s offered (target {0.5 * rate:,.0f}), {len(from_send)} match alerts sampled")
        for name, values in (("from send", from_send), ("from 202", from_ack)):
            if values:
                print(f"  ingest -> outbox ({name}): p50 {percentile(values, 0.5) * 1000:.1f} ms, "
                      f"p99 {percentile(values, 0.99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
