#!/usr/bin/env bash
# Usage: scripts/on-supported-node.sh CMD [ARGS...]
#
# Runs CMD on a Node the project supports (package.json engines: 22 or later). When the Node on PATH is older, it
# switches to the project's pinned Node 24 the way CI does (scripts/use-node24.sh: fetched once from the npm
# registry into .cache/), says so in one line, and runs CMD there. Where that cannot work (not Linux x64, or the
# download fails) it stops at once with the command to run instead, rather than failing minutes later.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FLOOR=22

current="$(node --version 2>/dev/null || echo none)"
major="${current#v}"
major="${major%%.*}"
if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -ge "$FLOOR" ]; then
  exec "$@"
fi

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "Node $current is older than $FLOOR, and the pinned Node 24 is fetched for Linux x64 only: install Node 24 (e.g. nvm install 24), then run the command again." >&2
  exit 1
fi
echo "Node $current is older than $FLOOR: running on the project's pinned Node 24 (scripts/use-node24.sh)." >&2
# shellcheck source=use-node24.sh
if ! source "$ROOT/scripts/use-node24.sh"; then
  echo "No Node 24 (see above): install Node 24 (e.g. nvm install 24), then run the command again." >&2
  exit 1
fi
exec "$@"
