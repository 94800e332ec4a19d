#!/usr/bin/env bash
# A private PostgreSQL cluster for tests and benches: no system service, nothing outside DIR.
#
#   scripts/postgres-cluster.sh start DIR PORT   initdb in DIR (if new) and start it on 127.0.0.1:PORT;
#                                                prints the gateway's database URL on stdout
#   scripts/postgres-cluster.sh stop DIR         stops it (fast shutdown) and waits
#
# The superuser is "deid" with the password in DIR/password (random, made at initdb): the gateway
# reads it from the environment variable its config names (DEID_DATABASE_PASSWORD in the tests).
# Run as root, the server runs as the unprivileged user "nobody" (PostgreSQL refuses root).
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "postgres-cluster: PostgreSQL is not installed (scripts/install-test-peers.sh installs it)" >&2; exit 1; }
as_owner=()
if [ "$(id -u)" = 0 ]; then as_owner=(setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env); fi
run() { "${as_owner[@]}" env LC_ALL=C.UTF-8 "$@"; }

case "$cmd" in
  start)
    port=${3:-}
    [ "$port" -gt 1023 ] 2>/dev/null && [ "$port" -lt 65536 ] || { echo "postgres-cluster: PORT must be 1024-65535" >&2; exit 2; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/password"
      chmod 600 "$dir/password"
      [ ${#as_owner[@]} = 0 ] || chown nobody:nogroup "$dir" "$dir/password"
      run "$bin/initdb" -D "$dir/data" -U deid --pwfile="$dir/password" --auth=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=100 -c fsync=on" \
      start >"$dir/pg_ctl.log" 2>&1 || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }
    echo "postgresql://deid@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    run "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    ;;
  *) echo "postgres-cluster: unknown command '$cmd' (start or stop)" >&2; exit 2 ;;
esac
