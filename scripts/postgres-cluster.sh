#!/usr/bin/env bash
# A private PostgreSQL cluster for tests and benches: no system service, nothing outside DIR.
#
#   scripts/postgres-cluster.sh start DIR PORT [--tls]
#                      initdb in DIR (if new) and start it on 127.0.0.1:PORT; prints the gateway's
#                      database URL on stdout. With --tls (given when DIR is new) the server takes
#                      TLS connections only (pg_hba hostssl), with a certificate for 127.0.0.1 from a
#                      test CA made here: DIR/tls/ca.pem, which the URL names (sslmode=verify-full);
#                      DIR/tls/other-ca.pem is an unrelated CA, for tests of an untrusted server
#   scripts/postgres-cluster.sh stop DIR         stops it (fast shutdown) and waits
#
# The superuser is "deid" with the password in DIR/password (random, made at initdb): the gateway
# reads it from the environment variable its config names (DEID_DATABASE_PASSWORD in the tests).
# Run as root, the server runs as the unprivileged user "nobody" (PostgreSQL refuses root).
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "postgres-cluster: PostgreSQL is not installed (scripts/install-test-peers.sh installs it)" >&2; exit 1; }
as_owner=()
if [ "$(id -u)" = 0 ]; then as_owner=(setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env); fi
run() { "${as_owner[@]}" env LC_ALL=C.UTF-8 "$@"; }

case "$cmd" in
  start)
    port=${3:-} tls=${4:-}
    [ -z "$tls" ] || [ "$tls" = --tls ] || { echo "postgres-cluster: unknown option '$tls' (--tls)" >&2; exit 2; }
    [ "$port" -gt 1023 ] 2>/dev/null && [ "$port" -lt 65536 ] || { echo "postgres-cluster: PORT must be 1024-65535" >&2; exit 2; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$dir/password"
      chmod 600 "$dir/password"
      [ ${#as_owner[@]} = 0 ] || chown nobody:nogroup "$dir" "$dir/password"
      run "$bin/initdb" -D "$dir/data" -U deid --pwfile="$dir/password" --auth=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      if [ "$tls" = --tls ]; then
        mkdir -p "$dir/tls"
        make_ca() { # NAME
          openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 -subj "/CN=deid test $1" \
            -keyout "$dir/tls/$1.key" -out "$dir/tls/$1.pem" 2>/dev/null
        }
        make_ca ca && make_ca other-ca
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
          -keyout "$dir/tls/server.key" -out "$dir/tls/server.csr" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/tls/server.ext"
        openssl x509 -req -in "$dir/tls/server.csr" -CA "$dir/tls/ca.pem" -CAkey "$dir/tls/ca.key" -CAcreateserial \
          -days 7 -extfile "$dir/tls/server.ext" -out "$dir/tls/server.pem" 2>/dev/null
        rm -f "$dir/tls/ca.key" "$dir/tls/other-ca.key" "$dir/tls/server.csr"
        chmod 600 "$dir/tls/server.key"
        [ ${#as_owner[@]} = 0 ] || chown -R nobody:nogroup "$dir/tls"
        chmod 755 "$dir/tls"; chmod 644 "$dir/tls/ca.pem" "$dir/tls/other-ca.pem" "$dir/tls/server.pem"
        # TLS only, over TCP; the socket in DIR stays for pg_ctl
        printf 'local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n' >"$dir/data/pg_hba.conf"
        printf "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\nssl_min_protocol_version = 'TLSv1.2'\n" \
          "$dir/tls/server.pem" "$dir/tls/server.key" >>"$dir/data/postgresql.conf"
      fi
    fi
    run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=100 -c fsync=on" \
      start >"$dir/pg_ctl.log" 2>&1 || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }
    if [ -f "$dir/tls/ca.pem" ]; then
      echo "postgresql://deid@127.0.0.1:$port/postgres?sslmode=verify-full&sslrootcert=$dir/tls/ca.pem"
    else
      echo "postgresql://deid@127.0.0.1:$port/postgres"
    fi
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    run "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    ;;
  *) echo "postgres-cluster: unknown command '$cmd' (start or stop)" >&2; exit 2 ;;
esac
