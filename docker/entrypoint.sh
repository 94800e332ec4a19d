#!/usr/bin/env bash
# Starts `deid serve` on the home in $DEID_HOME (default /data/home); on the first start creates it:
# one project, a curator whose keystore goes to $DEID_CURATOR_KEYSTORE (default /data/curator.p12,
# outside the home: move it to the curator), listening on all interfaces of the container,
# forwarding to DEID_DESTINATION_DICOM (AE@HOST:PORT) or else to the folder /data/out.
# Passphrases: DEID_PASSPHRASE, or a file named by DEID_PASSPHRASE_FILE (a compose or swarm secret);
# the same for DEID_CURATOR_PASSPHRASE, needed on the first start only. The image holds neither.
set -euo pipefail
from_file() {
  local var=$1 file_var="$1_FILE"
  if [ -n "${!file_var:-}" ]; then
    [ -r "${!file_var}" ] || { echo "entrypoint: $file_var names ${!file_var}, which cannot be read" >&2; exit 2; }
    # a trailing newline is not part of the passphrase
    export "$var=$(tr -d '\r\n' < "${!file_var}")"
    unset "$file_var"
  fi
}
from_file DEID_PASSPHRASE
from_file DEID_CURATOR_PASSPHRASE
home=${DEID_HOME:-/data/home}
: "${DEID_PASSPHRASE:?set DEID_PASSPHRASE or DEID_PASSPHRASE_FILE: the gateway keystore passphrase}"
if [ ! -f "$home/deid.yaml" ]; then
  : "${DEID_CURATOR_PASSPHRASE:?set DEID_CURATOR_PASSPHRASE or DEID_CURATOR_PASSPHRASE_FILE for the first curator}"
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
unset DEID_CURATOR_PASSPHRASE
exec deid serve --home "$home"
