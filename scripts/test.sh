#!/usr/bin/env bash
# The one command that installs what the test suite needs and runs it, on Debian 12 with
# Python 3.11: system packages (PostgreSQL, Chromium), the venv, lint, then pytest.
# Usage: bash scripts/test.sh [pytest arguments...]
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

say() { printf '==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "error: this needs root (or sudo) to run: $*" >&2
    exit 1
  fi
}

venv_ok() { [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys' 2>/dev/null; }

# System packages: Debian's PostgreSQL (the tests start their own throwaway server with its
# initdb) and Chromium (driven by Playwright); python3-venv only if a venv must be made.
packages=()
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || [ ! -x /usr/bin/chromium ]; then
  packages+=(postgresql chromium fonts-dejavu-core)
fi
if ! venv_ok && ! python3 -c 'import ensurepip' 2>/dev/null; then
  packages+=(python3-venv)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  say "installing Debian packages: ${packages[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

if ! venv_ok; then
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "error: python3 is $(python3 --version 2>&1); commonwork needs Python 3.11 or later" >&2
    exit 1
  }
  say "creating .venv with $(python3 --version)"
  python3 -m venv --clear .venv
fi
say "installing commonwork and its dev tools into .venv"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'

say "lint"
bash scripts/lint.sh

export PLAYWRIGHT_CHROMIUM_EXECUTABLE="${PLAYWRIGHT_CHROMIUM_EXECUTABLE:-/usr/bin/chromium}"
say "pytest -n 2 $*"
exec .venv/bin/python -m pytest -n 2 "$@"
