#!/usr/bin/env bash
# From a fresh Debian/Ubuntu machine (as root): installs what is missing (Podman, the demo
# image, Node packages), builds Phoenix, brings the demo environment up and shows its status.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm ci --no-audit --no-fund
npm run build
node bin/phoenix.js apply --env demo --yes
node bin/phoenix.js status --env demo
