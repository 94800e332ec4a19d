#!/usr/bin/env bash
# Engine cost: de-identification throughput of 500 generated 512x512 16-bit CT files, as a ratio
# to plain PixelMed read + write of the same files, measured in the same JVM and run.
# Target (issue 2): the engine costs at most 25% over read + write.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
count=${1:-500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -c 'import numpy, pydicom' 2>/dev/null || { echo "needs python3-pydicom and python3-numpy (./test.sh installs pydicom)" >&2; exit 2; }
/usr/bin/python3 "$root/bench/generate-ct.py" "$work/in" "$count"
"$root/deid" bench-engine --input "$work/in" --out "$work/out" --rounds 3
