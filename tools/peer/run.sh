#!/usr/bin/env bash
# Peer comparison for quire's benchmark: the Python eventsourcing library on
# its SQLite persistence, same workload. Makes (or reuses) a throwaway
# virtualenv outside the repo, installs the pinned library, runs peer.py.
#   bash tools/peer/run.sh [--smoke] [--commands N] [--events N] [--repeat N] [--json PATH]
set -euo pipefail

EVENTSOURCING_VERSION="${EVENTSOURCING_VERSION:-9.5.6}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${QUIRE_PEER_VENV:-${TMPDIR:-/tmp}/quire-peer-venv}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "peer: creating virtualenv $VENV" >&2
  "$PYTHON" -m venv "$VENV"
fi
have="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("eventsourcing"))' 2>/dev/null || true)"
if [ "$have" != "$EVENTSOURCING_VERSION" ]; then
  echo "peer: installing eventsourcing==$EVENTSOURCING_VERSION" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "eventsourcing==$EVENTSOURCING_VERSION"
fi

exec "$VENV/bin/python" "$HERE/peer.py" "$@"
