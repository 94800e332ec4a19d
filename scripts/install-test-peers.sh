#!/usr/bin/env bash
# Installs the real peers the test suite runs against, from Debian's packages:
# dcmtk (dcmdump, storescu...), dicom3tools (dciodvfy), python3-pydicom (an independent reader
# and its ~90 real test files), and PixelMed itself.
set -euo pipefail
need=()
command -v dcmdump >/dev/null || need+=(dcmtk)
command -v dciodvfy >/dev/null || need+=(dicom3tools)
/usr/bin/python3 -c "import pydicom" 2>/dev/null || need+=(python3-pydicom)
/usr/bin/python3 -c "import numpy" 2>/dev/null || need+=(python3-numpy)
[ -f /usr/share/java/pixelmed.jar ] || need+=(libpixelmed-java)
command -v zip >/dev/null || need+=(zip)
command -v unzip >/dev/null || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
  echo "install-test-peers: installing ${need[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >&2
fi
