#!/usr/bin/env bash
# The gateway's main job on embedded defaults, offline: creates a demo installation home with a
# DEMO passphrase (never use it for real data), and de-identifies sample DICOM files with the
# stage-one profile (pseudonymize). The network receiver arrives in a later issue; until then
# this demo is what the gateway does.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
scripts/install-test-peers.sh          # PixelMed, and pydicom for its sample files
scripts/setup-pixelmed.sh
[ -f gateway/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp -DskipTests package
demo="$root/.deid-demo"
export DEID_PASSPHRASE="demo-passphrase-NOT-FOR-REAL-DATA"
echo "== DEMO passphrase: $DEID_PASSPHRASE (a demo home only; real installations: deid init, passphrase from a prompt)"
if [ ! -f "$demo/home/deid.yaml" ]; then
  mkdir -p "$demo"
  ./deid init --home "$demo/home" --project demo
fi
samples=/usr/lib/python3/dist-packages/pydicom/data/test_files
rm -rf "$demo/out"
./deid deidentify --home "$demo/home" --out "$demo/out" \
  "$samples/CT_small.dcm" "$samples/MR_small.dcm" "$samples/test-SR.dcm" "$samples/JPEG2000.dcm" \
  "$samples/../charset_files/chrJapMulti.dcm"
echo "== de-identified files:"
find "$demo/out" -name '*.dcm' | sed "s|$root/||"
echo "== compare an input and its output: dcmdump $samples/CT_small.dcm; dcmdump \$(find $demo/out -name '*.dcm' | head -1)"
