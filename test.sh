#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine: installs the test peers and PixelMed,
# builds, and runs every test against real files and real tools. CI runs exactly this.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
scripts/install-test-peers.sh
scripts/setup-pixelmed.sh
./mvnw -B -ntp verify "$@"
