#!/usr/bin/env bash
# Runs the integration tests that cover apply, recreate, secrets, health, watch healing and
# down (plus doctor and host facts) a second time, as the unprivileged user scripts/setup-rootless.sh
# made, against that user's own rootless Podman. Run as root after scripts/setup-rootless.sh
# and `npm ci` + `npm run build` (scripts/test.sh does all of it). `status` and doctor
# assert they say rootless there.
# A missing prerequisite is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
readonly USER_NAME="${PHOENIX_ROOTLESS_USER:-phoenix-ci}"
# The test files of the rootless subset.
readonly FILES=(
  test/doctor/doctor.podman.test.ts
  test/integration/host-facts.test.ts
  test/integration/converge.test.ts
  test/integration/lifecycle.test.ts
  test/integration/status-verdict.test.ts
  test/integration/secrets.test.ts
  test/integration/secret-key-guard.test.ts
  test/integration/encrypted-secrets.test.ts
  test/integration/health.test.ts
  test/integration/watch-converge.test.ts
  test/integration/watch-health.test.ts
)

say() { printf 'test-rootless: %s\n' "$*"; }
die() { printf 'test-rootless: ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || die "run as root: it runs the tests as $USER_NAME with runuser"
id "$USER_NAME" >/dev/null 2>&1 || die "user $USER_NAME does not exist: run scripts/setup-rootless.sh first"
[[ -d node_modules/vitest && -d dist/bundle ]] || die 'node_modules or dist/bundle is missing: run `npm ci && npm run build` first'
uid="$(id -u "$USER_NAME")"
home="$(getent passwd "$USER_NAME" | cut -d: -f6)"
runtime_dir="/run/user/$uid"
[[ -d "$runtime_dir" && "$(stat -c %u "$runtime_dir")" == "$uid" ]] || die "$runtime_dir is missing or not owned by $USER_NAME: run scripts/setup-rootless.sh first"

# The user cannot read a clone under /root, and vitest writes its cache into node_modules:
# the tests run from a copy of the tree (node_modules included) that the user owns.
work="$(mktemp -d /tmp/phoenix-rootless-XXXXXX)"
trap 'rm -rf "$work"' EXIT
say "copying the tree to $work for $USER_NAME"
tar --exclude=./.git --exclude=./node_modules -cf - . | tar -C "$work" -xf -
# node_modules may be a link to another tree (a git worktree's): copy what it points at.
cp -a "$(readlink -f node_modules)" "$work/node_modules"
chown -R "$USER_NAME:" "$work"

as_user() {
  runuser -u "$USER_NAME" -- env -i \
    HOME="$home" USER="$USER_NAME" LOGNAME="$USER_NAME" PATH="$PATH" \
    XDG_RUNTIME_DIR="$runtime_dir" CI="${CI:-}" TMPDIR=/tmp \
    "$@"
}

rootless="$(cd "$work" && as_user podman info --format '{{.Host.Security.Rootless}}' 2>&1)" || die "podman info failed as $USER_NAME: $rootless"
[[ "$rootless" == *true ]] || die "podman does not run rootless as $USER_NAME (podman info says rootless=$rootless)"
say "running ${#FILES[@]} test files as $USER_NAME (uid $uid) against rootless Podman"
cd "$work"
as_user node node_modules/vitest/vitest.mjs run "${FILES[@]}"
# The tests that only make sense rootless (real rootless set-up failures and their codes); the
# root suite leaves test/rootless/ out.
say "running test/rootless as $USER_NAME"
as_user node node_modules/vitest/vitest.mjs run --config vitest.rootless.config.ts
