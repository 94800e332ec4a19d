#!/usr/bin/env bash
# Builds the gateway and Orthanc images, starts docker/compose.yaml, sends studies with storescu
# from the host to the gateway's published port, and checks through Orthanc's REST API that every
# instance arrived once and de-identified; then kills the gateway container (SIGKILL) right after
# a second batch was acknowledged, starts it again, and checks that nothing was lost. Tears the
# compose set (containers, network, volumes) down at the end, whatever happened. The images stay.
#
# Uses Docker with its compose plugin where an engine runs, else podman with podman-compose. With
# podman the base image is made locally when missing (debootstrap, no registry needed), and the
# containers run with runc and lowered limits (containers.conf written here), as Debian 12 hosts
# with hybrid cgroups need. Skips, saying so, where neither can run a container.
#
# usage: docker/test-image.sh [--batch N]      (N generated CT instances per batch, default 20)
# environment: DEID_BASE_IMAGE (default: debian:bookworm-slim with Docker,
#              localhost/debian:bookworm-minbase with podman, made here if missing)
# Prints figures (image sizes, build and start-up times) as "figure:" lines; exits non-zero on a failure.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
batch=20
while [ $# -gt 0 ]; do
  case $1 in
    --batch) batch=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test-image: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "test-image: $*" >&2; }
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; exit 1; }
figure() { echo "figure: $*"; }
now() { date +%s.%N; }
elapsed() { /usr/bin/python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' "$1" "$2"; }
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---------------------------------------------------------------- which engine
work=$(mktemp -d "${TMPDIR:-/tmp}/deid-image-test.XXXXXX")
if command -v docker >/dev/null && docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  engine=docker
  compose() { docker compose "$@"; }
  base_image=${DEID_BASE_IMAGE:-debian:bookworm-slim}
elif command -v podman >/dev/null && command -v podman-compose >/dev/null && [ "$(id -u)" -eq 0 ]; then
  engine=podman
  compose() { podman-compose "$@"; }
  base_image=${DEID_BASE_IMAGE:-localhost/debian:bookworm-minbase}
  # crun fails on hybrid cgroups and higher limits are refused here; runc with these works
  cat > "$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
EOF
  export CONTAINERS_CONF=$work/containers.conf
  # the OCI image format has no HEALTHCHECK; the Docker format keeps it
  export BUILDAH_FORMAT=docker
else
  rm -rf "$work"
  echo "SKIP: test-image: no container engine here (neither a running Docker engine with its compose plugin, nor podman and podman-compose as root)"
  exit 0
fi
say "engine $engine, base image $base_image, scratch $work"

project=deidimagetest$$
dicom_port=$(free_port) metrics_port=$(free_port) orthanc_port=$(free_port)
export DEID_DICOM_ADDRESS=127.0.0.1 DEID_BASE_IMAGE=$base_image DEID_DICOM_PORT=$dicom_port DEID_METRICS_PORT=$metrics_port ORTHANC_HTTP_PORT=$orthanc_port
compose_set() { compose -p "$project" -f docker/compose.yaml "$@"; }
teardown() {
  say "tearing down the compose set $project"
  compose_set down -v >"$work/down.log" 2>&1 || { say "compose down failed:"; cat "$work/down.log" >&2; }
  rm -rf "$work"
}
trap teardown EXIT

# ---------------------------------------------------------------- base image and application
if [ "$engine" = podman ] && [ "$base_image" = localhost/debian:bookworm-minbase ] && ! podman image exists "$base_image"; then
  command -v debootstrap >/dev/null || fail "debootstrap is needed to make $base_image (apt-get install debootstrap)"
  say "making the base image $base_image with debootstrap (about a minute)"
  started=$(now)
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | podman import - "$base_image" >/dev/null
  rm -rf "$work/rootfs"
  figure "base image made in $(elapsed "$started" "$(now)") s"
fi
if [ ! -f gateway/target/quarkus-app/quarkus-run.jar ]; then
  say "building the application (./mvnw package)"
  scripts/setup-pixelmed.sh
  ./mvnw -B -ntp -q -DskipTests package >&2
fi

# ---------------------------------------------------------------- build and start
started=$(now)
compose_set build >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; fail "the images did not build"; }
figure "both images built in $(elapsed "$started" "$(now)") s"
pass "the gateway and Orthanc images built from $base_image"
image_size() { "$engine" image inspect --format '{{.Size}}' "$1" | awk '{printf "%.0f MB", $1 / 1000000}'; }
figure "image localhost/deid-gateway:latest $(image_size localhost/deid-gateway:latest)"
figure "image localhost/deid-orthanc:latest $(image_size localhost/deid-orthanc:latest)"
"$engine" image inspect --format '{{json .Config.Env}}' localhost/deid-gateway:latest | grep -q PASSPHRASE= \
  && fail "the gateway image carries a passphrase in its environment"
"$engine" run --rm --entrypoint /bin/sh localhost/deid-gateway:latest -c \
  'grep -rlI "NOT-FOR-REAL-DATA" /opt /etc /data 2>/dev/null; find / -xdev -name "*.p12" 2>/dev/null' >"$work/secrets-in-image" || true
[ -s "$work/secrets-in-image" ] && { cat "$work/secrets-in-image" >&2; fail "the gateway image holds a passphrase or a keystore"; }
pass "the gateway image holds no passphrase and no keystore"

container_of() { # SERVICE: the id of its container in this compose set
  "$engine" ps -a -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$1" | head -n 1
}
wait_ready() { # SINCE WHAT: waits for /health/ready through the published metrics port
  local deadline=$(($(date +%s) + 180))
  until curl -fsS -o /dev/null "http://127.0.0.1:$metrics_port/health/ready" 2>/dev/null; do
    [ "$(date +%s)" -le "$deadline" ] || { "$engine" logs "$(container_of gateway)" 2>&1 | tail -30 >&2; fail "$2: the gateway was not ready within 180 s"; }
    sleep 0.3
  done
  figure "$2: ready $(elapsed "$1" "$(now)") s after the container was started"
}
orthanc_get() { curl -fsS "http://127.0.0.1:$orthanc_port$1"; }
orthanc_count() { orthanc_get /statistics | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["CountInstances"])'; }

started=$(now)
compose_set up -d >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up failed"; }
# podman-compose can exit 0 when a container failed to be created: look for both
gateway=$(container_of gateway)
[ -n "$gateway" ] && [ -n "$(container_of orthanc)" ] || { cat "$work/up.log" >&2; fail "compose up did not create both containers"; }
wait_ready "$started" "first start (creates the home and its keystore)"
deadline=$(($(date +%s) + 60))
until orthanc_get /system >/dev/null 2>&1; do
  [ "$(date +%s)" -le "$deadline" ] || fail "Orthanc's REST API did not answer within 60 s"
  sleep 0.3
done
uid=$("$engine" exec "$gateway" id -u)
[ "$uid" != 0 ] && pass "the gateway runs as an unprivileged user (uid $uid)" || fail "the gateway runs as root"
if [ "$engine" = podman ]; then
  podman healthcheck run "$gateway" >/dev/null && pass "the image's HEALTHCHECK reports healthy" || fail "the image's HEALTHCHECK failed"
else
  sleep 12
  [ "$(docker inspect --format '{{.State.Health.Status}}' "$gateway")" = healthy ] && pass "the image's HEALTHCHECK reports healthy" \
    || fail "the image's HEALTHCHECK does not report healthy"
fi

# ---------------------------------------------------------------- send, check, kill, send, check
sent=$work/sent
mkdir -p "$sent"
cp /usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm /usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm "$sent/"
/usr/bin/python3 bench/generate-ct.py "$sent/batch-1" "$batch" >/dev/null
/usr/bin/python3 bench/generate-ct.py "$sent/batch-2" "$batch" >/dev/null
send() { # LOG FILE...: storescu to the published port; prints how many got Success
  local log=$1; shift
  TCP_NODELAY=1 storescu -v -aec DEIDGW -to 20 -ta 20 -td 20 +sd 127.0.0.1 "$dicom_port" "$@" >"$log" 2>&1 || true
  grep -c "Received Store Response (Success)" "$log" || true
}
wait_for_instances() { # EXPECTED WHAT
  local deadline=$(($(date +%s) + 120)) count=0 since
  since=$(now)
  while [ "$(date +%s)" -le "$deadline" ]; do
    count=$(orthanc_count)
    if [ "$count" -ge "$1" ]; then
      figure "$2: Orthanc held $count instances $(elapsed "$since" "$(now)") s later"
      sleep 3   # a late duplicate would show up in the count now
      return 0
    fi
    sleep 0.5
  done
  fail "$2: Orthanc holds $count of $1 instances after 120 s"
}

first=$((batch + 2))
ok=$(send "$work/storescu-1.log" "$sent/CT_small.dcm" "$sent/MR_small.dcm" "$sent/batch-1")
[ "$ok" = "$first" ] || { tail -20 "$work/storescu-1.log" >&2; fail "Success for $ok of $first C-STOREs"; }
pass "the gateway answered Success to all $first C-STOREs on the published port"
wait_for_instances "$first" "first batch"

ok=$(send "$work/storescu-2.log" "$sent/batch-2")
[ "$ok" = "$batch" ] || fail "second batch: Success for $ok of $batch C-STOREs"
"$engine" kill --signal KILL "$gateway" >/dev/null
pass "the gateway container was killed (SIGKILL) right after acknowledging $batch more instances"
figure "at the kill Orthanc held $(orthanc_count) of $((first + batch)) instances"
started=$(now)
"$engine" start "$gateway" >/dev/null
wait_ready "$started" "restart after SIGKILL"
total=$((first + batch))
wait_for_instances "$total" "after the restart"
count=$(orthanc_count)
[ "$count" = "$total" ] && pass "Orthanc holds exactly $total instances: none lost, none twice" \
  || fail "Orthanc holds $count instances, $total were acknowledged"

# Every instance de-identified: the pseudonymized patient, Patient Identity Removed, and none of
# the originals' identifying values nor their instance UIDs anywhere in what Orthanc holds.
originals=$work/originals.txt
/usr/bin/python3 - "$sent" >"$originals" <<'EOF'
import pathlib, sys
import pydicom
keywords = ("PatientName", "PatientID", "OtherPatientIDs", "PatientBirthDate", "InstitutionName",
            "ReferringPhysicianName", "AccessionNumber", "StudyID", "SOPInstanceUID", "StudyInstanceUID")
values = set()   # (keyword, value)
for path in pathlib.Path(sys.argv[1]).rglob("*.dcm"):
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    for keyword in keywords:
        value = str(ds.get(keyword, "") or "").strip()
        if len(value) >= 4:
            values.add((keyword, value))
print("\n".join(f"{k}\t{v}" for k, v in sorted(values)))
EOF
[ -s "$originals" ] || fail "no identifying values read from the sent files"
orthanc_get /instances | /usr/bin/python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)))' >"$work/instances"
checked=0
while read -r instance; do
  orthanc_get "/instances/$instance/tags?simplify" >"$work/tags.json"
  /usr/bin/python3 - "$work/tags.json" "$originals" <<'EOF' || fail "instance $instance is not de-identified (see above)"
import json, sys
tags = json.load(open(sys.argv[1]))
def leaves(node):   # every value Orthanc holds for the instance, sequences included
    if isinstance(node, dict):
        for child in node.values():
            yield from leaves(child)
    elif isinstance(node, list):
        for child in node:
            yield from leaves(child)
    elif node is not None:
        yield str(node).strip()
held = set(leaves(tags))
problems = []
if tags.get("PatientIdentityRemoved") != "YES":
    problems.append("PatientIdentityRemoved is not YES")
if not str(tags.get("PatientID", "")).startswith("DEMO-"):
    problems.append("PatientID is not a pseudonym of project demo")
for line in open(sys.argv[2]).read().splitlines():
    keyword, value = line.split("\t", 1)
    if value in held:
        problems.append(f"the original {keyword} of a sent file is still there")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
EOF
  checked=$((checked + 1))
done <"$work/instances"
[ "$checked" = "$total" ] || fail "checked $checked instances, expected $total"
pass "all $total instances in Orthanc are de-identified: pseudonym DEMO-..., Patient Identity Removed YES, no original identifying value or UID"
say "done"
