#!/usr/bin/env bash
# Formatting, lint, types and import layers, in the venv; stops at the first failure.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

if [ ! -x .venv/bin/ruff ] || [ ! -x .venv/bin/mypy ] || [ ! -x .venv/bin/lint-imports ]; then
  echo "error: .venv lacks the dev tools: run bash scripts/test.sh," \
    "or .venv/bin/pip install -e '.[dev]'" >&2
  exit 1
fi

run() {
  printf '+ %s\n' "$*"
  "$@"
}

run .venv/bin/ruff format --check src tests benchmarks
run .venv/bin/ruff check src tests benchmarks
run .venv/bin/mypy
run .venv/bin/lint-imports
echo "lint: all passed"
