#!/usr/bin/env bash
# Gateway vs direct (issue 4): throughput of 600 generated 512x512 16-bit CT instances sent with
# dcmtk storescu (one association, or several at once: --senders) either straight to dcmtk storescp, or through `deid serve`
# (receive + spool + de-identify + vault + outbox + forward by C-STORE to the same storescp),
# measured alternately in one run on one machine. Prints each round, best and median of each, the
# gateway's peak RSS and, as the last line, `ratio gateway/direct = X.XX` (throughput ratio).
# Targets (issue 14, medians of 3 rounds after warm-up): >= 0.6 on journaled ext4 with 1 sender,
# >= 0.7 with 4 senders, no lower than 0.53 on the default file system; goal 0.8.
#
# usage: bench/gateway-vs-direct.sh [--fs default|journaled] [--senders N] [--associations N] [--database sqlite|postgresql]
#                                   [--history N] [ROUNDS]
#   ROUNDS        per mode, default 3, at least 2
#   --fs journaled  everything (instances, the gateway's home, storescp's folders) on an ordinary
#                 journaled ext4 the bench makes on a loop device over a preallocated file, and
#                 removes afterwards (needs root: mount)
#   --senders N   N storescu processes at once (1 to 16, default 1), each sending its own study of
#                 600/N instances, to one storescp (--fork, an association per process) or to the gateway
#   --associations N  the gateway forwards over N associations at once (destinations.NAME.associations,
#                 1 to 16; default: as many as senders, the like of storescp --fork serving each sender)
#   --database sqlite|postgresql  where the gateway keeps its tables: the embedded SQLite file (default),
#                 or a PostgreSQL cluster the bench starts on loopback in its work folder (scripts/postgres-cluster.sh,
#                 the server's data on the same file system as the gateway's home) and stops afterwards
#   --history N   before starting, fill the gateway's database with the history of N delivered
#                 objects (received rows, deliveries, audit entries, one identity per 300 objects:
#                 `deid bench-history`), to compare a home after 1,000,000 objects with a fresh one
# env:   DEID_BENCH_DATA  folder of the generated instances, reused when it holds them all
#                         (default ${TMPDIR:-/tmp}/deid-bench-ct-600)
#        DEID_BENCH_WARMUP  untimed rounds of each kind first (default 6: a fresh JVM compiles for about
#                           the first 3,000 objects; a running gateway is past that, see docs/bench.md)
#        DEID_JAVA_OPTS   passed to the gateway's JVM by ./deid
#        DEID_BENCH_CONFIG  space-separated KEY=VALUE settings for the bench home (`deid config set`),
#                           e.g. "processing.threads=1", to compare one setting in the same kind of run
#
# Everything runs on 127.0.0.1 inside a private network namespace (unshare --net), since storescp
# listens on all interfaces: the script re-executes itself inside one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "${DEID_BENCH_IN_NETNS:-}" != 1 ]; then
  unshare_opts=(--net)
  [ "$(id -u)" = 0 ] || unshare_opts=(--user --map-root-user --net)
  exec env DEID_BENCH_IN_NETNS=1 unshare "${unshare_opts[@]}" -- "$BASH" "${BASH_SOURCE[0]}" "$@"
fi
ip link set lo up

fs=default
senders=1
associations=""
history=0
database=sqlite
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --fs) fs=${2:-}; shift 2 || { echo "--fs needs default or journaled" >&2; exit 2; } ;;
    --senders) senders=${2:-}; shift 2 || { echo "--senders needs a number" >&2; exit 2; } ;;
    --associations) associations=${2:-}; shift 2 || { echo "--associations needs a number" >&2; exit 2; } ;;
    --database) database=${2:-}; shift 2 || { echo "--database needs sqlite or postgresql" >&2; exit 2; } ;;
    --history) history=${2:-}; shift 2 || { echo "--history needs a number of objects" >&2; exit 2; } ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    *) rounds=$1; shift ;;
  esac
done
[ "$rounds" -ge 2 ] 2>/dev/null || { echo "ROUNDS must be a number >= 2" >&2; exit 2; }
[ "$senders" -ge 1 ] 2>/dev/null && [ "$senders" -le 16 ] || { echo "--senders must be 1 to 16" >&2; exit 2; }
associations=${associations:-$senders}
[ "$associations" -ge 1 ] 2>/dev/null && [ "$associations" -le 16 ] || { echo "--associations must be 1 to 16" >&2; exit 2; }
[ "$history" -ge 0 ] 2>/dev/null || { echo "--history must be a number of objects (0: a fresh home)" >&2; exit 2; }
case "$database" in sqlite|postgresql) ;; *) echo "--database must be sqlite or postgresql, not '$database'" >&2; exit 2 ;; esac
case "$fs" in default|journaled) ;; *) echo "--fs must be default or journaled, not '$fs'" >&2; exit 2 ;; esac
count=600
scp_port=11113
gw_port=11112
if [ "$senders" = 1 ]; then
  data=${DEID_BENCH_DATA:-${TMPDIR:-/tmp}/deid-bench-ct-600}
else
  data=${DEID_BENCH_DATA:-${TMPDIR:-/tmp}/deid-bench-ct-600-in-$senders}
fi

for tool in storescu storescp; do
  command -v "$tool" >/dev/null || { echo "needs dcmtk's $tool (./test.sh installs dcmtk)" >&2; exit 2; }
done
/usr/bin/python3 -c 'import numpy, pydicom' 2>/dev/null \
  || { echo "needs python3-pydicom and python3-numpy (./test.sh installs pydicom)" >&2; exit 2; }
[ -f "$root/gateway/target/quarkus-app/quarkus-run.jar" ] \
  || (cd "$root" && ./mvnw -q -ntp -DskipTests package >&2)

work=$(mktemp -d "${TMPDIR:-/tmp}/deid-bench-gw.XXXXXX")
scp_pid=""
gw_pid=""
fs_image=""
fs_mount=""
pg_dir=""
cleanup() {
  local pid
  [ -z "$scp_pid" ] || kill -TERM -- "-$scp_pid" 2>/dev/null || true
  for pid in $scp_pid $gw_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in $scp_pid $gw_pid; do
    # the gateway drains on SIGTERM; give it a moment, then insist
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ -z "$pg_dir" ] || "$root/scripts/postgres-cluster.sh" stop "$pg_dir" || true
  rm -rf "$work"
  if [ -n "$fs_mount" ]; then
    umount "$fs_mount" 2>/dev/null || umount -l "$fs_mount" 2>/dev/null || true
    rmdir "$fs_mount" 2>/dev/null || true
  fi
  [ -z "$fs_image" ] || rm -f "$fs_image"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the instances (reused when already generated) ---
have=$( { find "$data" -maxdepth 2 -name '*.dcm' 2>/dev/null || true; } | wc -l)
if [ "$have" -ne "$count" ]; then
  echo "generating $count instances in $data ..."
  rm -rf "$data.tmp"
  /usr/bin/python3 "$root/bench/generate-ct.py" "$data.tmp" "$count" "$senders"
  rm -rf "$data"
  mv "$data.tmp" "$data"
fi

# --- the journaled file system: ext4 with its default journal (ordered data), on a loop device over a
# fully allocated file, the instances copied onto it; the run's work folder moves there too ---
if [ "$fs" = journaled ]; then
  [ "$(id -u)" = 0 ] || { echo "--fs journaled needs root (it mounts a loop device)" >&2; exit 2; }
  fs_image=$(mktemp "${TMPDIR:-/tmp}/deid-bench-ext4.XXXXXX")
  fallocate -l 4G "$fs_image"
  mkfs.ext4 -q -F -O has_journal "$fs_image"
  fs_mount=$(mktemp -d "${TMPDIR:-/tmp}/deid-bench-mnt.XXXXXX")
  mount -o loop "$fs_image" "$fs_mount"
  cp -r "$data" "$fs_mount/data"
  data="$fs_mount/data"
  rm -rf "$work"
  work="$fs_mount/work"
  mkdir -p "$work"
  echo "file system: journaled ext4 ($(findmnt -no OPTIONS "$fs_mount")) on $(findmnt -no SOURCE "$fs_mount")"
else
  echo "file system: $(findmnt -no FSTYPE,OPTIONS -T "$work")"
fi

now() { date +%s.%N; }
files_in() { { find "$1" -maxdepth 1 -type f ! -name '.*' 2>/dev/null || true; } | wc -l; }

# the folders the senders send: the data folder itself, or one study folder each
sources=("$data")
[ "$senders" = 1 ] || sources=("$data"/study-*)
[ "${#sources[@]}" = "$senders" ] || { echo "$data holds ${#sources[@]} study folders, not $senders" >&2; exit 1; }
scp_fork=()
[ "$senders" = 1 ] && [ "$associations" = 1 ] || scp_fork=(--fork)

send_all() { # $1: called AE, $2: port; every sender at once, waits for all of them
  local pids=() i=0 src failed=0
  for src in "${sources[@]}"; do
    i=$((i + 1))
    TCP_NODELAY=1 storescu -aec "$1" +sd 127.0.0.1 "$2" "$src" >"$work/storescu-$i.log" 2>&1 &
    pids+=($!)
  done
  i=0
  for pid in "${pids[@]}"; do
    i=$((i + 1))
    wait "$pid" || { echo "storescu $i (to $1) failed:" >&2; cat "$work/storescu-$i.log" >&2; failed=1; }
  done
  [ "$failed" = 0 ] || exit 1
}

start_storescp() { # $1: output folder
  mkdir -p "$1"
  # its own process group: with --fork, the children hold the listening socket too, and are stopped with it
  TCP_NODELAY=1 setsid storescp "${scp_fork[@]}" -aet STORESCP -od "$1" "$scp_port" >"$work/storescp.log" 2>&1 &
  scp_pid=$!
  local i
  for i in $(seq 1 100); do
    if echo -n 2>/dev/null >"/dev/tcp/127.0.0.1/$scp_port"; then return 0; fi
    kill -0 "$scp_pid" 2>/dev/null || { echo "storescp did not start:" >&2; cat "$work/storescp.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "storescp does not listen on $scp_port" >&2; exit 1
}
stop_storescp() {
  kill -TERM -- "-$scp_pid" 2>/dev/null || kill -TERM "$scp_pid" 2>/dev/null || true
  wait "$scp_pid" 2>/dev/null || true
  local i
  for i in $(seq 1 100); do
    echo -n 2>/dev/null >"/dev/tcp/127.0.0.1/$scp_port" || break
    sleep 0.05
  done
  scp_pid=""
}

# --- the gateway: a bench home, started once ---
home="$work/home"
# BENCH-ONLY passphrases: they protect a throw-away home deleted at the end of the run
export DEID_PASSPHRASE="bench-only-passphrase-NOT-FOR-REAL-DATA"
export DEID_CURATOR_PASSPHRASE="bench-only-curator-passphrase-NOT-FOR-REAL-DATA"
init_database=()
if [ "$database" = postgresql ]; then
  pg_dir="$work/postgresql"
  mkdir -p "$pg_dir"
  chmod 755 "$work"
  [ -z "$fs_mount" ] || chmod 755 "$fs_mount"   # the server runs as nobody when the bench runs as root
  pg_url=$("$root/scripts/postgres-cluster.sh" start "$pg_dir" 15433)
  export DEID_DATABASE_PASSWORD
  DEID_DATABASE_PASSWORD=$(cat "$pg_dir/password")
  init_database=(--database "$pg_url?schema=bench")
  echo "database: PostgreSQL $("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/postgres" --version | awk '{print $3}') on 127.0.0.1:15433, data in $pg_dir"
fi
"$root/deid" init --home "$home" "${init_database[@]}" --project bench --curator Bench --curator-out "$work/curator.p12" >"$work/init.log" 2>&1 \
  || { cat "$work/init.log" >&2; exit 1; }
"$root/deid" destination add --home "$home" --name scp --dicom "STORESCP@127.0.0.1:$scp_port" \
  --associations "$associations" >/dev/null
"$root/deid" config set --home "$home" dicom.port "$gw_port" >/dev/null
"$root/deid" config set --home "$home" dicom.bind-address 127.0.0.1 >/dev/null
for setting in ${DEID_BENCH_CONFIG:-}; do
  "$root/deid" config set --home "$home" "${setting%%=*}" "${setting#*=}" >/dev/null
  echo "bench home: $setting"
done
if [ "$history" -gt 0 ]; then
  "$root/deid" bench-history --home "$home" --objects "$history" --destination scp 2>"$work/history.err" \
    || { cat "$work/history.err" >&2; exit 1; }
fi

"$root/deid" serve --home "$home" >"$work/serve.out" 2>"$work/serve.err" &
gw_pid=$!            # ./deid execs java: this is the JVM's pid
for i in $(seq 1 600); do
  grep -q "receiving as" "$work/serve.out" 2>/dev/null && break
  kill -0 "$gw_pid" 2>/dev/null || { echo "deid serve stopped:" >&2; cat "$work/serve.err" >&2; exit 1; }
  sleep 0.1
done
grep -q "receiving as" "$work/serve.out" || { echo "deid serve did not start in 60 s" >&2; cat "$work/serve.err" >&2; exit 1; }
[ "$(cat "/proc/$gw_pid/comm")" = java ] || echo "warning: pid $gw_pid is $(cat "/proc/$gw_pid/comm"), not java" >&2

# --- one round of each kind; each sets $secs (end to end) and $sent_secs (storescu alone) ---
round_direct() { # (a) storescu -> storescp; the wall time of storescu
  local out="$work/direct-$1" t0 t1 got m0
  start_storescp "$out"
  m0=$(machine_cpu)
  t0=$(now)
  send_all STORESCP "$scp_port"
  t1=$(now)
  machine_busy=$(machine_cpu "$m0")
  # storescp --fork: a child may still be writing its last file when its storescu has its answer
  for _ in $(seq 1 100); do [ "$(files_in "$out")" -ge "$count" ] && break; sleep 0.02; done
  stop_storescp
  got=$(files_in "$out")
  [ "$got" -eq "$count" ] || { echo "direct round $1: storescp holds $got of $count" >&2; exit 1; }
  rm -rf "$out"
  secs=$(echo "$t1 - $t0" | bc -l); sent_secs=$secs
}
round_gateway() { # (b) storescu -> deid serve -> storescp; ends when storescp holds all of them
  local out="$work/gateway-$1" t0 t1 t_sent deadline c0
  start_storescp "$out"
  c0=$(gw_cpu); m0=$(machine_cpu)
  t0=$(now)
  send_all DEIDGW "$gw_port"
  t_sent=$(now)
  deadline=$(echo "$t0 + 600" | bc -l)
  while [ "$(files_in "$out")" -lt "$count" ]; do
    if [ "$(echo "$(now) > $deadline" | bc)" = 1 ]; then
      echo "gateway round $1: storescp holds $(files_in "$out") of $count after 600 s" >&2
      cat "$work/serve.err" >&2
      exit 1
    fi
    kill -0 "$gw_pid" 2>/dev/null || { echo "deid serve died:" >&2; cat "$work/serve.err" >&2; exit 1; }
    sleep 0.05
  done
  t1=$(now)
  cpu_secs=$(echo "$(gw_cpu) - $c0" | bc -l)
  machine_busy=$(machine_cpu "$m0")
  stop_storescp
  rm -rf "$out"
  secs=$(echo "$t1 - $t0" | bc -l); sent_secs=$(echo "$t_sent - $t0" | bc -l)
}
machine_cpu() { # no argument: "busy total" jiffies of the whole machine so far; with one: the busy share since then, in cores
  if [ $# = 0 ]; then awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; return; fi
  awk -v start="$1" -v n="$(nproc)" '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; split(start, s, " ");
    printf "%.2f", n * ((t - $5 - $6) - s[1]) / (t - s[2]); exit }' /proc/stat
}
rate() { echo "$count / $1" | bc -l; }
clk_tck=$(getconf CLK_TCK)
gw_cpu() { # CPU seconds (user + system) the gateway's JVM has used so far
  awk -v t="$clk_tck" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$gw_pid/stat"
}

# --- warm-up (a freshly started JVM is not what a running gateway is: its optimizing compiler works
# through about the first 3,000 objects), then alternating rounds; the warm-up rounds are printed ---
warmup=${DEID_BENCH_WARMUP:-6}
for w in $(seq 1 "$warmup"); do
  round_direct "w$w"
  printf 'warm-up %d direct : %7.3f s  %7.1f instances/s  (not counted)\n' "$w" "$secs" "$(rate "$secs")"
  round_gateway "w$w"
  printf 'warm-up %d gateway: %7.3f s  %7.1f instances/s  (not counted)\n' "$w" "$secs" "$(rate "$secs")"
done
direct=()
direct_busy=()
gateway=()
gateway_recv=()
gateway_cpu=()
gateway_busy=()
for r in $(seq 1 "$rounds"); do
  round_direct "$r"
  direct+=("$(rate "$secs")")
  direct_busy+=("$machine_busy")
  printf 'round %d direct : %7.3f s  %7.1f instances/s (machine busy %.2f of %d cores)\n' "$r" "$secs" "$(rate "$secs")" "$machine_busy" "$(nproc)"
  round_gateway "$r"
  gateway+=("$(rate "$secs")")
  gateway_recv+=("$(rate "$sent_secs")")
  gateway_cpu+=("$(echo "1000 * $cpu_secs / $count" | bc -l)")
  gateway_busy+=("$machine_busy")
  printf 'round %d gateway: %7.3f s  %7.1f instances/s end to end (storescu done after %.3f s: %.1f instances/s received; JVM CPU %.2f s; machine busy %.2f of %d cores)\n' \
    "$r" "$secs" "$(rate "$secs")" "$sent_secs" "$(rate "$sent_secs")" "$cpu_secs" "$machine_busy" "$(nproc)"
done

# where the JVM's CPU went over the whole run: threads grouped by name (numbers dropped), top five
thread_cpu=$(for t in /proc/"$gw_pid"/task/*; do
  name=$(tr -d '0-9' <"$t/comm"); awk -v n="$name" -v tck="$clk_tck" '{ sub(/^.*\) /, ""); printf "%s\t%.2f\n", n, ($12 + $13) / tck }' "$t/stat"
done | awk -F'\t' '{ s[$1] += $2 } END { for (n in s) if (s[n] >= 0.05) printf "%s %.2f s\n", n, s[n] }' | sort -k2 -gr -t' ' | head -5 | paste -sd, -)
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$gw_pid/status")
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$gw_pid/status")

best() { printf '%s\n' "$@" | sort -g | tail -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

d_best=$(best "${direct[@]}"); d_med=$(median "${direct[@]}")
g_best=$(best "${gateway[@]}"); g_med=$(median "${gateway[@]}")
r_med=$(median "${gateway_recv[@]}")
echo "senders: $senders at once; forwarding associations: $associations; database: $database; file system: $fs; history: $history objects before the first round"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(java -version 2>&1 | head -1)"
printf 'direct : best %.1f  median %.1f instances/s\n' "$d_best" "$d_med"
printf 'gateway: best %.1f  median %.1f instances/s end to end (receive alone, median %.1f instances/s)\n' \
  "$g_best" "$g_med" "$r_med"
printf 'gateway JVM CPU per object: median %.2f ms (user + system, all threads); whole machine busy: median %.2f of %d cores in gateway rounds, %.2f direct\n' \
  "$(median "${gateway_cpu[@]}")" "$(median "${gateway_busy[@]}")" "$(nproc)" "$(median "${direct_busy[@]}")"
echo "gateway JVM CPU by thread (whole run, warm-up included): $thread_cpu"
printf 'gateway peak RSS (VmHWM): %d MiB (VmRSS now %d MiB)\n' "$((hwm / 1024))" "$((rss / 1024))"
# what the gateway logged so far, timestamps cut, each distinct line once with its count
echo "deid serve stderr: $(wc -l <"$work/serve.err") lines"
sed -E 's/^[0-9:,.]+ +//' "$work/serve.err" | sort | uniq -c | sort -rn | head -10 | sed 's/^/  /'
printf 'ratio gateway/direct = %.2f\n' "$(echo "$g_med / $d_med" | bc -l)"
