#!/usr/bin/env bash
# From a fresh Debian/Ubuntu machine (as root): installs what is missing (Podman, the demo
# image, Node packages from the lock file) and runs the whole test suite, integration tests
# against real Podman included; then the rootless subset again as the unprivileged user
# scripts/setup-rootless.sh makes (phoenix-ci), against its own rootless Podman.
# .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/setup-rootless.sh
npm ci --no-audit --no-fund
npm test
scripts/test-rootless.sh
