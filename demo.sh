#!/usr/bin/env bash
# The gateway's main job on embedded defaults, offline: creates a demo installation home with DEMO
# passphrases (never use them for real data) and a demo curator, de-identifies sample DICOM files
# with the stage-one profile (pseudonymize), re-identifies one pseudonym as the curator would, and
# verifies the audit trail. The network receiver arrives in a later issue.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
scripts/install-test-peers.sh          # PixelMed, and pydicom for its sample files
scripts/setup-pixelmed.sh
[ -f gateway/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp -DskipTests package
demo="$root/.deid-demo"
export DEID_PASSPHRASE="demo-passphrase-NOT-FOR-REAL-DATA"
export DEID_CURATOR_PASSPHRASE="demo-curator-passphrase-NOT-FOR-REAL-DATA"
echo "== DEMO passphrases (a demo home only; real installations are asked on the terminal):"
echo "   gateway keystore: $DEID_PASSPHRASE"
echo "   curator keystore: $DEID_CURATOR_PASSPHRASE"
if [ ! -f "$demo/curator.p12" ]; then
  # a demo home from before curators existed cannot be opened by anyone: start it again
  rm -rf "$demo/home"
  mkdir -p "$demo"
  ./deid init --home "$demo/home" --project demo --curator "Demo Curator" --curator-out "$demo/curator.p12"
fi
samples=/usr/lib/python3/dist-packages/pydicom/data/test_files
rm -rf "$demo/out"
./deid deidentify --home "$demo/home" --out "$demo/out" \
  "$samples/CT_small.dcm" "$samples/MR_small.dcm" "$samples/test-SR.dcm" "$samples/JPEG2000.dcm" \
  "$samples/../charset_files/chrJapMulti.dcm"
echo "== de-identified files:"
find "$demo/out" -name '*.dcm' | sed "s|$root/||"
pseudonym=$(ls "$demo/out" | head -1)
echo "== the curator re-identifies $pseudonym (audited):"
./deid reidentify --home "$demo/home" --curator-keystore "$demo/curator.p12" \
  --reason "demo: show what the vault holds" --pseudonym "$pseudonym"
echo "== audit trail:"
./deid audit show --home "$demo/home" --last 5
./deid audit verify --home "$demo/home"
echo "== compare an input and its output: dcmdump $samples/CT_small.dcm; dcmdump \$(find $demo/out -name '*.dcm' | head -1)"
