#!/usr/bin/env bash
# Installs the system packages Cepheus needs to build and test on a bare Debian machine
# with the Swift toolchain. Safe to run again: it installs only what is missing.
set -euo pipefail

need=()
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# /usr/bin/time -v measures peak RSS in the benchmark script.
[ -x /usr/bin/time ] || need+=(time)
# The cepheus binary links jemalloc (Package.swift).
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so ] || [ -e /usr/lib/aarch64-linux-gnu/libjemalloc.so ] \
  || [ -e /usr/lib/libjemalloc.so ] || need+=(libjemalloc-dev)
# RocksDB's C API: durable state and checkpoints (CepheusState, the CRocksDB module).
{ command -v pkg-config >/dev/null 2>&1 && pkg-config --exists rocksdb; } || need+=(librocksdb-dev)
# The end-to-end tests check /metrics with promtool and let a real Prometheus scrape it.
command -v promtool >/dev/null 2>&1 || need+=(prometheus)

if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

command -v swift >/dev/null 2>&1 || { echo "setup: the Swift toolchain (6.x) must be on PATH" >&2; exit 1; }
echo "setup: ok ($(swift --version 2>/dev/null | head -1))" >&2
