#!/usr/bin/env bash
# Starts `deid serve` on the home in /data; on the first start creates it: one project, a curator
# whose keystore goes to /data/curator.p12 (outside the home), listening on all interfaces of the
# container, forwarding to DEID_DESTINATION_DICOM (AE@HOST:PORT) or else to the folder /data/out.
set -euo pipefail
home=${DEID_HOME:-/data/home}
: "${DEID_PASSPHRASE:?set DEID_PASSPHRASE: the gateway keystore passphrase}"
if [ ! -f "$home/deid.yaml" ]; then
  : "${DEID_CURATOR_PASSPHRASE:?set DEID_CURATOR_PASSPHRASE for the keystore of the first curator}"
  keystore=${DEID_CURATOR_KEYSTORE:-/data/curator.p12}
  mkdir -p "$(dirname "$home")" "$(dirname "$keystore")"
  deid init --home "$home" --project "${DEID_PROJECT:-demo}" --curator "${DEID_CURATOR_NAME:-Demo Curator}" \
    --curator-out "$keystore"
  deid config set --home "$home" dicom.bind-address 0.0.0.0
  deid config set --home "$home" metrics.bind-address 0.0.0.0
  if [ -n "${DEID_DESTINATION_DICOM:-}" ]; then
    deid destination add --home "$home" --name central --dicom "$DEID_DESTINATION_DICOM"
  else
    deid destination add --home "$home" --name out --folder /data/out
  fi
fi
exec deid serve --home "$home"
