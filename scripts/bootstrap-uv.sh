#!/usr/bin/env bash
# Installs a private copy of uv into .tools/ for machines that only have Python 3.11+.
# Prefers a venv; falls back to `pip install --target` where the venv module is missing
# (Debian without python3-venv). Prints the path of the uv binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ -x .tools/bin/uv ]; then echo .tools/bin/uv; exit 0; fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "Python 3.11+ is required (found $("$PYTHON" --version 2>&1))" >&2; exit 1; }
rm -rf .tools
if "$PYTHON" -m venv .tools >/dev/null 2>&1 && .tools/bin/python -m pip install --quiet uv >&2; then
    echo .tools/bin/uv
    exit 0
fi
rm -rf .tools
"$PYTHON" -m pip install --quiet --target .tools/lib uv >&2
mkdir -p .tools/bin
ln -sf ../lib/bin/uv .tools/bin/uv
echo .tools/bin/uv
