#!/usr/bin/env bash
# Memory for one large multi-frame object (issue 4: "memory stays flat for one 2 GB multi-frame
# object"). Starts `deid serve` with a small heap, sends it one small CT (the baseline), then one
# generated multi-frame object of SIZE MiB (default 2048) with storescu, waits until the
# de-identified copy is in the folder destination, checks it (pseudonymized header, pixel data
# byte for byte), and compares the gateway's peak RSS before and after the large object.
# The last line reads `peak RSS growth for a N MiB object = X MiB (Y% of the object)`.
#
# usage: bench/large-object.sh [SIZE_MIB]
# env:   DEID_LARGE_HEAP  the gateway's -Xmx (default 256m: a 2 GB object cannot fit it)
#        TMPDIR           where the object, the home and the output live (needs about 3 x SIZE)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=${1:-2048}
heap=${DEID_LARGE_HEAP:-256m}
for tool in storescu; do
  command -v "$tool" >/dev/null || { echo "needs dcmtk's $tool (./test.sh installs dcmtk)" >&2; exit 2; }
done
[ -f "$root/gateway/target/quarkus-app/quarkus-run.jar" ] || (cd "$root" && ./mvnw -q -ntp -DskipTests package >&2)

work=$(mktemp -d "${TMPDIR:-/tmp}/deid-large.XXXXXX")
gw_pid=""
cleanup() {
  if [ -n "$gw_pid" ] && kill -0 "$gw_pid" 2>/dev/null; then
    kill -TERM "$gw_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$gw_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 "$root/bench/generate-multiframe.py" "$work/large.dcm" "$size"

home="$work/home"
# BENCH-ONLY passphrases: they protect a throw-away home deleted at the end of the run
export DEID_PASSPHRASE="bench-only-passphrase-NOT-FOR-REAL-DATA"
export DEID_CURATOR_PASSPHRASE="bench-only-curator-passphrase-NOT-FOR-REAL-DATA"
"$root/deid" init --home "$home" --project bench --curator Bench --curator-out "$work/curator.p12" >"$work/init.log" 2>&1 \
  || { cat "$work/init.log" >&2; exit 1; }
"$root/deid" destination add --home "$home" --name out --folder "$work/out" >/dev/null
"$root/deid" config set --home "$home" dicom.port "$port" >/dev/null
"$root/deid" config set --home "$home" dicom.bind-address 127.0.0.1 >/dev/null
"$root/deid" config set --home "$home" metrics.port 0 >/dev/null

DEID_JAVA_OPTS="-Xmx$heap ${DEID_JAVA_OPTS:-}" "$root/deid" serve --home "$home" >"$work/serve.out" 2>"$work/serve.err" &
gw_pid=$!
for _ in $(seq 1 600); do
  grep -q "receiving as" "$work/serve.out" 2>/dev/null && break
  kill -0 "$gw_pid" 2>/dev/null || { echo "deid serve stopped:" >&2; cat "$work/serve.err" >&2; exit 1; }
  sleep 0.1
done
grep -q "receiving as" "$work/serve.out" || { echo "deid serve did not start" >&2; exit 1; }

outputs() { find "$work/out" -name '*.dcm' -type f 2>/dev/null | wc -l; }
send() { # $1: file, $2: how many outputs to wait for, $3: seconds
  TCP_NODELAY=1 storescu -aec DEIDGW 127.0.0.1 "$port" "$1" >"$work/storescu.log" 2>&1 \
    || { echo "storescu failed:" >&2; cat "$work/storescu.log" >&2; exit 1; }
  local i
  for i in $(seq 1 $(($3 * 10))); do
    [ "$(outputs)" -ge "$2" ] && return 0
    kill -0 "$gw_pid" 2>/dev/null || { echo "deid serve died:" >&2; tail -20 "$work/serve.err" >&2; exit 1; }
    sleep 0.1
  done
  echo "no output after $3 s" >&2; tail -20 "$work/serve.err" >&2; exit 1
}
hwm() { awk '/^VmHWM:/ {print int($2 / 1024)}' "/proc/$gw_pid/status"; }

send "$(/usr/bin/python3 -c 'from pydicom.data import get_testdata_file; print(get_testdata_file("CT_small.dcm"))')" 1 60
base=$(hwm)
t0=$(date +%s.%N)
send "$work/large.dcm" 2 1800
t1=$(date +%s.%N)
peak=$(hwm)

# the copy: pseudonymized, as many frames, pixel data identical (the last MiB compared byte for byte,
# and the whole pixel data by SHA-256)
out=$(find "$work/out" -name '*.dcm' -size +1M -type f | head -1)
/usr/bin/python3 - "$work/large.dcm" "$out" <<'PY'
import hashlib, sys
import pydicom
src, dst = sys.argv[1], sys.argv[2]
a = pydicom.dcmread(src, stop_before_pixels=True)
b = pydicom.dcmread(dst, stop_before_pixels=True)
assert b.PatientID != a.PatientID and "LARGE" not in str(b.PatientName), "not pseudonymized"
assert b.SOPInstanceUID != a.SOPInstanceUID, "UID not remapped"
assert int(b.NumberOfFrames) == int(a.NumberOfFrames), "frames differ"
def pixel_digest(path):
    # the pixel data are the last element of both files: hash from its value to the end
    with open(path, "rb") as f:
        data = f.read(1 << 16)
        at = data.index(b"\xe0\x7f\x10\x00OW")
        f.seek(at + 12)
        h = hashlib.sha256()
        while chunk := f.read(1 << 20):
            h.update(chunk)
        return h.hexdigest()
assert pixel_digest(src) == pixel_digest(dst), "pixel data differ"
print("output checked: pseudonymized, %d frames, pixel data identical (SHA-256)" % int(b.NumberOfFrames))
PY
secs=$(echo "$t1 - $t0" | bc -l)
growth=$((peak - base))
printf 'object: %d MiB; gateway heap -Xmx%s; received, de-identified and delivered in %.1f s\n' "$size" "$heap" "$secs"
printf 'gateway peak RSS: %d MiB after one small CT, %d MiB after the large object\n' "$base" "$peak"
printf 'peak RSS growth for a %d MiB object = %d MiB (%.1f%% of the object)\n' "$size" "$growth" \
  "$(echo "100 * $growth / $size" | bc -l)"
