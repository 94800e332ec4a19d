#!/usr/bin/env bash
# Clean Pixel Data cost: objects/s for generated ultrasound-like images with burned-in text (a
# planted name, ID, birth date, study date and accession in the banner and one name below it),
# masked by rule, found and checked by OCR, de-identified and written, as a ratio to plain
# PixelMed read + write of the same files in the same JVM and run. Usage: bench/pixels.sh [COUNT] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
count=${1:-200}
rounds=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -c 'import numpy, pydicom, PIL' 2>/dev/null || { echo "needs python3-pydicom, python3-numpy and python3-pil (./test.sh installs them)" >&2; exit 2; }
command -v tesseract >/dev/null || { echo "needs tesseract-ocr (./test.sh installs it)" >&2; exit 2; }
/usr/bin/python3 "$root/gateway/src/test/python/burned_in.py" "$work/in" --count "$count" --kinds us --seed 5
rm -f "$work"/in/*.json
echo "$(nproc) cores; $(tesseract --version 2>&1 | head -1)"
"$root/deid" bench-engine --input "$work/in" --out "$work/out" --rounds "$rounds" --pixels
