#!/usr/bin/env bash
# PostgreSQL 15 + pgvector on 127.0.0.1 for tests and benchmarks: role/db app (password
# "secret"). Idempotent: reuses a server already listening on the port, builds pgvector once.
# State in $OS1_PG_DIR (default /tmp/os1-pg); port $OS1_PG_PORT (default 55432). Needs root
# (the server runs as the postgres user). Prints the database URL last.
set -euo pipefail
P=${OS1_PG_DIR:-/tmp/os1-pg}
PORT=${OS1_PG_PORT:-55432}
PGBIN=/usr/lib/postgresql/15/bin
URL="postgresql://app:secret@127.0.0.1:$PORT/app"
open() { (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
if open; then echo "$URL"; exit 0; fi
# Two test runs starting it at once: the second waits for the first, then reuses its server.
exec 9>"$P.lock"; flock 9
if open; then echo "$URL"; exit 0; fi
[ -x "$PGBIN/initdb" ] || { echo "pg_up: PostgreSQL 15 is not installed (scripts/apt/scale-test.txt)" >&2; exit 1; }

# pgvector is not packaged for PG15 in bookworm; build it from the newer Debian source package.
if [ ! -f /usr/share/postgresql/15/extension/vector.control ]; then
  B=$(mktemp -d)
  list=/etc/apt/sources.list.d/os1-pgvector-src.list
  mirror=$( (grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null || true) | awk '{print $2}' | grep -v security | head -1 || true)
  echo "deb-src ${mirror:-http://deb.debian.org/debian} trixie main" > "$list"
  trap 'rm -f "$list"; rm -rf "$B"' EXIT
  apt-get update -q -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- >/dev/null
  (cd "$B" && apt-get source -q --download-only -o Dir::Etc::sourcelist="$list" \
      -o Dir::Etc::sourceparts=- pgvector >/dev/null && dpkg-source -x ./*.dsc src >/dev/null \
   && cd src && make -s PG_CONFIG=$PGBIN/pg_config OPTFLAGS="" >/dev/null && make -s install PG_CONFIG=$PGBIN/pg_config >/dev/null)
  rm -f "$list"
  apt-get update -q >/dev/null || true  # forget the trixie source index again
fi

if [ ! -f "$P/data/PG_VERSION" ]; then
  rm -rf "$P"; mkdir -p "$P/data" "$P/sock" "$P/log"
  chown postgres:postgres "$P/data" "$P/sock" "$P/log"
  echo secret > "$P/pwfile"; chown postgres "$P/pwfile"
  runuser -u postgres -- $PGBIN/initdb -D "$P/data" -U postgres --pwfile="$P/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 > "$P/initdb.log"
  fresh=1
fi
# fsync off: test data only; max_connections for two servers + workers in tests
runuser -u postgres -- $PGBIN/pg_ctl -D "$P/data" -l "$P/log/pg.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $P/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=512MB -c maintenance_work_mem=1GB" start >/dev/null
if [ "${fresh:-0}" = 1 ]; then
  runuser -u postgres -- psql -h "$P/sock" -p "$PORT" -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE app LOGIN PASSWORD 'secret'" -c "CREATE DATABASE app OWNER app"
  runuser -u postgres -- psql -h "$P/sock" -p "$PORT" -d app -v ON_ERROR_STOP=1 -q -c "CREATE EXTENSION vector"
fi
echo "$URL"
