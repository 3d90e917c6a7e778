#!/usr/bin/env bash
# The test command: lint, type-check, then the whole test suite (tests start the real servers
# they need on 127.0.0.1 themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check src tests bench
echo "== mypy"; mypy
echo "== pytest"
set +e
pytest -q -p no:cacheprovider --durations=15 "$@"
rc=$?
set -e
[ $rc -eq 5 ] && { echo "no tests ran"; exit 1; }
exit $rc
