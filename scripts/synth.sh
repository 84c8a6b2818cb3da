#!/usr/bin/env bash
# npm run synth: `cdk synth --quiet` (extra arguments passed on), then its outcome in one line. cdk-nag runs as a
# validation plugin, so a rule it fails stops the synth before that line. Left out of stderr: the app's
# "Bundling asset X..." line per function (CDK has no switch for it) and, with several stacks (hub mode), the CLI's
# two lines on where it wrote them and how to print one. Everything else (warnings, errors) passes through.
set -euo pipefail
cd "$(dirname "$0")/.."
{ npx --no-install cdk synth --quiet "$@" 2>&1 1>&3 3>&- |
  sed -E '/^(Successfully synthesized to |Supply a stack id \(|Bundling asset .*\.\.\.$)/d' >&2; } 3>&1
echo 'synth: ok, every stack synthesized and cdk-nag AwsSolutions passed'
