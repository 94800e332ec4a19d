#!/usr/bin/env bash
# Runs the gateway on embedded defaults: a demo installation home under .deid-demo/ with DEMO
# passphrases (printed; never use them for real data) and a demo curator, a folder destination
# (.deid-demo/out), AE title DEIDGW on port 11112. Send it a study with dcmtk's storescu (the
# command is printed); stop it with Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
scripts/install-test-peers.sh          # PixelMed, dcmtk, and pydicom for its sample files
scripts/setup-pixelmed.sh
[ -f gateway/target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q -ntp -DskipTests package
demo="$root/.deid-demo"
export DEID_PASSPHRASE="demo-passphrase-NOT-FOR-REAL-DATA"
export DEID_CURATOR_PASSPHRASE="demo-curator-passphrase-NOT-FOR-REAL-DATA"
echo "== DEMO passphrases (a demo home only; real installations are asked on the terminal):"
echo "   gateway keystore: $DEID_PASSPHRASE"
echo "   curator keystore: $DEID_CURATOR_PASSPHRASE"
if [ ! -f "$demo/curator.p12" ] || ! grep -q "destinations:" "$demo/home/deid.yaml" 2>/dev/null; then
  # a demo home from an earlier version (no curator or no destination): start it again
  rm -rf "$demo"
  mkdir -p "$demo"
  ./deid init --home "$demo/home" --project demo --curator "Demo Curator" --curator-out "$demo/curator.p12"
  ./deid destination add --home "$demo/home" --name demo-out --folder "$demo/out"
fi
samples=/usr/lib/python3/dist-packages/pydicom/data/test_files
cat <<HINT
== Starting the gateway. In another terminal:
   send sample studies:   TCP_NODELAY=1 storescu -aec DEIDGW 127.0.0.1 11112 $samples/CT_small.dcm $samples/MR_small.dcm
   see the output:        find $demo/out -name '*.dcm'
   re-identify (curator): DEID_CURATOR_PASSPHRASE=$DEID_CURATOR_PASSPHRASE ./deid reidentify --home $demo/home \\
                            --curator-keystore $demo/curator.p12 --reason "demo" --pseudonym \$(ls $demo/out | head -1)
   audit trail:           ./deid audit show --home $demo/home
HINT
exec ./deid serve --home "$demo/home"
