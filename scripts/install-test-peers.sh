#!/usr/bin/env bash
# Installs the real peers the test suite runs against, from Debian's packages:
# dcmtk (dcmdump, storescu...), dicom3tools (dciodvfy), python3-pydicom (an independent reader
# and its ~90 real test files), PixelMed itself, Orthanc (a real research repository receiving the
# gateway's C-STOREs in the Orthanc integration tests) with its DICOMweb plugin (STOW-RS), curl (to
# query Orthanc's REST API), and openssl and socat (a TLS front with a certificate made per run,
# since Orthanc 1.10's own HTTPS crashes with Debian's civetweb), and for Clean Pixel Data: Tesseract 5
# with its English model (the gateway's OCR), Pillow and the DejaVu fonts (the tests draw burned-in text),
# PostgreSQL 15 (the shared database of several gateway nodes; the tests start a private cluster),
# and podman (the container image and compose test) where no Docker engine runs.
set -euo pipefail
need=()
command -v dcmdump >/dev/null || need+=(dcmtk)
command -v dciodvfy >/dev/null || need+=(dicom3tools)
/usr/bin/python3 -c "import pydicom" 2>/dev/null || need+=(python3-pydicom)
/usr/bin/python3 -c "import numpy" 2>/dev/null || need+=(python3-numpy)
/usr/bin/python3 -c "import jsonschema" 2>/dev/null || need+=(python3-jsonschema)   # validates the catalog export
[ -f /usr/share/java/pixelmed.jar ] || need+=(libpixelmed-java)
[ -f /usr/share/java/pixelmed_imageio.jar ] || need+=(libpixelmed-imageio-java)
command -v tesseract >/dev/null || need+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || need+=(tesseract-ocr-eng)
/usr/bin/python3 -c "import PIL" 2>/dev/null || need+=(python3-pil)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v zip >/dev/null || need+=(zip)
command -v unzip >/dev/null || need+=(unzip)
[ -x /usr/sbin/Orthanc ] || need+=(orthanc)
[ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || need+=(orthanc-dicomweb)
command -v openssl >/dev/null || need+=(openssl)
command -v socat >/dev/null || need+=(socat)
command -v curl >/dev/null || need+=(curl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)   # a private cluster per run (scripts/postgres-cluster.sh)
command -v setpriv >/dev/null || need+=(util-linux)   # runs PostgreSQL unprivileged when the tests run as root
command -v ip >/dev/null || need+=(iproute2)   # the Orthanc tests bring up loopback in their own namespace
# The container test (docker/test-image.sh): podman with runc, podman-compose, debootstrap for a
# local base image (no registry is needed), and the CNI plugins that give compose services names.
if ! { command -v docker >/dev/null && docker info >/dev/null 2>&1; }; then
  command -v podman >/dev/null || need+=(podman)
  command -v runc >/dev/null || need+=(runc)
  command -v podman-compose >/dev/null || need+=(podman-compose)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  [ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
  [ -x /usr/lib/cni/dnsname ] || need+=(golang-github-containernetworking-plugin-dnsname)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "install-test-peers: installing ${need[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >&2
fi
# Debian's packages start a system Orthanc and PostgreSQL; the tests run their own, privately.
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v systemctl >/dev/null && systemctl is-enabled postgresql >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd systemctl disable --now postgresql >/dev/null 2>&1 || true
fi
if [ -x /usr/sbin/Orthanc ] && command -v systemctl >/dev/null && systemctl is-enabled orthanc >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd systemctl disable --now orthanc >/dev/null 2>&1 || true
fi
