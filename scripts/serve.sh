#!/usr/bin/env bash
# The one command that installs and starts a commonwork node (default http://127.0.0.1:8000,
# with an embedded SQLite database in its data dir). Arguments go to `commonwork serve`.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

say() { printf '==> %s\n' "$*" >&2; }

if ! { [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys' 2>/dev/null; }; then
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "error: python3 is $(python3 --version 2>&1); commonwork needs Python 3.11 or later" >&2
    exit 1
  }
  if ! python3 -c 'import ensurepip' 2>/dev/null; then
    say "installing Debian's python3-venv"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || {
        echo "error: python3-venv is missing: apt-get install python3-venv as root" >&2
        exit 1
      }
      sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends python3-venv
  fi
  say "creating .venv with $(python3 --version)"
  python3 -m venv --clear .venv
fi
say "installing commonwork into .venv"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .

exec .venv/bin/commonwork serve "$@"
