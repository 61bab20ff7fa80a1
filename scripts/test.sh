#!/usr/bin/env bash
# From a fresh Debian/Ubuntu machine (as root): installs what is missing (Podman, the demo
# image, Node packages from the lock file) and runs the whole test suite, integration tests
# against real Podman included. .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm ci --no-audit --no-fund
npm test
