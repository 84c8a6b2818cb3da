#!/usr/bin/env bash
# Usage: npm run test:repeat -- <test file> [runs, default 30]
#
# Runs one jest test file again and again, stopping at the first failure, and prints how many runs passed: the way
# to show that a test is not flaky. A file under test/integration/ runs with one moto server for all the runs
# (scripts/with-moto.sh), in band like `npm run test:integration`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file="${1:?usage: npm run test:repeat -- <test file> [runs]}"
runs="${2:-30}"
[ -f "$file" ] || { echo "test-repeat: no such file: $file" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "test-repeat: runs must be a positive whole number, got '$runs'" >&2; exit 2; }

if [[ "$file" == test/integration/* && -z "${MOTO_ENDPOINT:-}" ]]; then
  exec bash "$ROOT/scripts/with-moto.sh" bash "$ROOT/scripts/test-repeat.sh" "$file" "$runs"
fi

for ((run = 1; run <= runs; run++)); do
  if ! npx jest --runInBand --silent "$file" >"$ROOT/.cache/test-repeat.log" 2>&1; then
    cat "$ROOT/.cache/test-repeat.log" >&2
    echo "test-repeat: $file failed on run $run; $((run - 1)) of $runs passed before it" >&2
    exit 1
  fi
done
echo "test-repeat: $file passed $runs of $runs runs"
