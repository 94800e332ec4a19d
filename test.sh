#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine: installs the test peers and PixelMed,
# builds, and runs every test against real files and real tools, on the embedded SQLite database;
# then the tests that touch the database again on PostgreSQL over TLS, in a private cluster started here
# (a temporary folder, a free loopback port, stopped and deleted at the end); then the container
# image and the compose file with Orthanc, built and run for real (docker/test-image.sh). CI runs exactly this.
# To run everything on PostgreSQL instead: -Ddeid.test.database-url=postgresql://deid@127.0.0.1:PORT/postgres
# with DEID_DATABASE_PASSWORD set (scripts/postgres-cluster.sh prints the URL and keeps the password).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
scripts/install-test-peers.sh
scripts/setup-pixelmed.sh

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/deid-test-postgresql.XXXXXX")
chmod 755 "$pg_dir"
stop_postgresql() { scripts/postgres-cluster.sh stop "$pg_dir" || true; rm -rf "$pg_dir"; }
trap stop_postgresql EXIT
pg_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_url=$(scripts/postgres-cluster.sh start "$pg_dir" "$pg_port" --tls)   # TLS only, certificate checked
export DEID_DATABASE_PASSWORD
DEID_DATABASE_PASSWORD=$(cat "$pg_dir/password")

./mvnw -B -ntp verify "$@"
echo "test.sh: the database tests again, on PostgreSQL ($pg_url)" >&2
./mvnw -B -ntp verify -Ddeid.test.database-url="$pg_url" -Ddeid.test.database-data-dir="$pg_dir/data" \
  -Dtest='org.deidgateway.store.**,org.deidgateway.catalog.**,org.deidgateway.vault.**,org.deidgateway.curate.**,org.deidgateway.audit.**,org.deidgateway.pipeline.**,org.deidgateway.forward.**,org.deidgateway.receive.**' \
  -Dit.test='org.deidgateway.cli.*IT' -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false "$@"
echo "test.sh: the container image and compose set (docker/test-image.sh)" >&2
docker/test-image.sh
