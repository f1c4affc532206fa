#!/usr/bin/env bash
# Installs the official MCP Python SDK (pinned in
# packages/server/test/python/requirements.txt) into a virtual environment
# outside the repository, for the server's Python client test:
# ${MCPKIT_PYTHON_DIR:-${XDG_CACHE_HOME:-~/.cache}/mcpkit-python}. The test
# finds its python there, or at $MCPKIT_PYTHON.
#
# Needs python3 (3.10 or later) with venv (Debian: python3-venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUIREMENTS="$ROOT/packages/server/test/python/requirements.txt"
DIR="${MCPKIT_PYTHON_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mcpkit-python}"

if [[ -x "$DIR/bin/python" ]] && cmp -s "$DIR/.installed" "$REQUIREMENTS"; then
  exit 0
fi
printf '==> installing the MCP Python SDK into %s\n' "$DIR" >&2
rm -rf "$DIR"
python3 -m venv "$DIR"
PIP_ROOT_USER_ACTION=ignore "$DIR/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
cp "$REQUIREMENTS" "$DIR/.installed"
