#!/usr/bin/env bash
# Usage: scripts/with-moto.sh CMD [ARGS...]
#        scripts/with-moto.sh --check-python   (only checks that $PYTHON is 3.11 or later)
#
# Runs CMD with a private moto server (local AWS emulator) listening on a free loopback port, exported as
# MOTO_ENDPOINT=http://127.0.0.1:PORT. The server is always stopped on exit and CMD's exit code is propagated.
#
# The Python virtualenv (.venv in the project, or $MOTO_VENV) is created on first use and rebuilt from scratch
# whenever requirements-test.txt or the Python version changes (a hash is stored in the venv).
#
# Environment knobs:
#   PYTHON              interpreter used to create the venv (default: python3; must be 3.11 or later, else exit 2)
#   MOTO_VENV           venv location (default: <project>/.venv)
#   MOTO_START_TIMEOUT  seconds to wait for the server to answer (default: 60)
#   MOTO_KEEP_LOG=1     keep the server log (<project>/.moto-PORT.log) even when CMD succeeds
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUIREMENTS="$ROOT/requirements-test.txt"
VENV="${MOTO_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
START_TIMEOUT="${MOTO_START_TIMEOUT:-60}"

log() { echo "with-moto: $*" >&2; }

# ------------------------------------------------------------------------------------------- Python version
# Checked before anything else: the pinned test tools need Python 3.11+ (pip fails on annotated-types under 3.9
# and on joserfc under 3.10, but only after minutes of downloads), so an older interpreter exits 2 at once.
MIN_PYTHON="3.11"
require_python() {
  local need="Python $MIN_PYTHON or later is needed (the moto server's pinned tools in requirements-test.txt)"
  local fix="install it and point this script at it, e.g. PYTHON=python3.11 npm test"
  local path found where=""
  if ! path="$(command -v "$PYTHON" 2>/dev/null)"; then
    log "$need, but PYTHON=$PYTHON was not found; $fix"
    exit 2
  fi
  if [ "$path" != "$PYTHON" ]; then where=" ($path)"; fi
  if ! found="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>&1)" ||
    ! [[ "$found" =~ ^([0-9]+)\.([0-9]+)\.[0-9]+$ ]]; then
    log "$need, but PYTHON=$PYTHON$where did not say its version (it answered: $(echo "$found" | head -n 1)); $fix"
    exit 2
  fi
  local major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[2]}"
  if [ "$major" -lt "${MIN_PYTHON%.*}" ] || { [ "$major" -eq "${MIN_PYTHON%.*}" ] && [ "$minor" -lt "${MIN_PYTHON#*.}" ]; }; then
    log "$need, but PYTHON=$PYTHON$where is Python $found; $fix"
    exit 2
  fi
}
require_python
# `--check-python` alone: only the check above, so `npm test` can fail on the interpreter in a second, not after
# the type check, lint and fast tiers.
if [ "$1" = "--check-python" ]; then exit 0; fi

# ---------------------------------------------------------------------------------------------- venv bootstrap
requirements_hash() {
  {
    cat "$REQUIREMENTS"
    "$PYTHON" -c 'import sys; print(sys.version)'
  } | "$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'
}

ensure_venv() {
  local want have=""
  want="$(requirements_hash)"
  [ -f "$VENV/.requirements.sha256" ] && have="$(cat "$VENV/.requirements.sha256")"
  if [ "$want" = "$have" ] && [ -x "$VENV/bin/moto_server" ]; then
    return 0
  fi
  local started=$SECONDS
  log "creating $VENV from requirements-test.txt (first run or requirements changed) ..."
  rm -f "$VENV/.requirements.sha256"
  "$PYTHON" -m venv --clear "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    -r "$REQUIREMENTS" </dev/null
  # Written last: an interrupted install is retried from scratch next time.
  echo "$want" >"$VENV/.requirements.sha256"
  log "venv ready in $((SECONDS - started))s"
}

# Serialise concurrent bootstraps (two test runs started at once) when flock is available.
if command -v flock >/dev/null 2>&1; then
  # The lock lives outside the work tree (keyed by the venv path) so it never shows up in git status.
  exec 9>"${TMPDIR:-/tmp}/with-moto-$(echo "$VENV" | cksum | cut -d' ' -f1).lock"
  flock 9
  ensure_venv
  flock -u 9
  exec 9>&-
else
  ensure_venv
fi

# -------------------------------------------------------------------------------------------- moto server
MOTO_PID=""
MOTO_LOG=""
KEEP_LOG="${MOTO_KEEP_LOG:-0}"

stop_moto() {
  if [ -n "$MOTO_PID" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    # Bounded wait for a clean exit, then force it.
    for _ in $(seq 1 50); do
      kill -0 "$MOTO_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
  MOTO_PID=""
}

cleanup() {
  local rc=$?
  stop_moto
  if [ -n "$MOTO_LOG" ] && [ -f "$MOTO_LOG" ]; then
    if [ "$rc" -eq 0 ] && [ "$KEEP_LOG" != "1" ]; then
      rm -f "$MOTO_LOG"
    else
      log "moto server log kept at $MOTO_LOG"
    fi
  fi
  exit "$rc"
}
CMD_PID=""
# bash runs traps only between commands, so CMD runs in the background and we `wait` for it (interruptible): a
# TERM/INT is forwarded to CMD, and moto is stopped by the EXIT trap once CMD has gone.
on_signal() {
  if [ -n "$CMD_PID" ]; then
    kill -"$1" "$CMD_PID" 2>/dev/null || true
    wait "$CMD_PID" 2>/dev/null || true
  fi
  exit "$2"
}
trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

free_port() {
  "$VENV/bin/python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Exit 0 once the server answers HTTP at all (any status code).
probe() {
  "$VENV/bin/python" - "$1" <<'PY' 2>/dev/null
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/moto-api/data.json", timeout=2)
except urllib.error.HTTPError:
    pass
except Exception:
    sys.exit(1)
PY
}

# The port can be taken between free_port and the server's bind: retry a few times on a fresh port.
start_moto() {
  local attempt port deadline
  for attempt in 1 2 3; do
    port="$(free_port)"
    MOTO_LOG="$ROOT/.moto-$port.log"
    local started=$SECONDS
    "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$MOTO_LOG" 2>&1 &
    MOTO_PID=$!
    deadline=$((SECONDS + START_TIMEOUT))
    while [ "$SECONDS" -lt "$deadline" ]; do
      if ! kill -0 "$MOTO_PID" 2>/dev/null; then
        wait "$MOTO_PID" 2>/dev/null || true
        MOTO_PID=""
        break
      fi
      if probe "http://127.0.0.1:$port"; then
        export MOTO_ENDPOINT="http://127.0.0.1:$port"
        export MOTO_LOG
        log "moto server up at $MOTO_ENDPOINT in $((SECONDS - started))s (pid $MOTO_PID, log $MOTO_LOG)"
        return 0
      fi
      sleep 0.2
    done
    if [ -n "$MOTO_PID" ]; then
      log "moto server did not answer on port $port within ${START_TIMEOUT}s; last log lines:"
      stop_moto
      tail -n 30 "$MOTO_LOG" >&2 2>/dev/null || true
      return 1
    fi
    log "moto server exited during start-up (attempt $attempt, port $port); last log lines:"
    tail -n 30 "$MOTO_LOG" >&2 || true
  done
  log "giving up: moto server would not start"
  return 1
}

start_moto

set +e
# `<&0` keeps CMD's stdin (a background job would otherwise get /dev/null), e.g. for jest --watch.
"$@" <&0 &
CMD_PID=$!
wait "$CMD_PID"
rc=$?
CMD_PID=""
set -e
exit "$rc"
