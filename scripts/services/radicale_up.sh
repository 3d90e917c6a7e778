#!/usr/bin/env bash
# Start Radicale (CalDAV/CardDAV) on 127.0.0.1:5232 for tests and benchmarks, users alice and
# bob (password "secret"). Idempotent: if something already listens on the port, it is reused.
# State lives in $OS1_DAV_DIR (default /tmp/os1-radicale); the PID is written there.
set -euo pipefail
cd "$(dirname "$0")/../.."
D=${OS1_DAV_DIR:-/tmp/os1-radicale}
PORT=${OS1_DAV_PORT:-5232}
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
open() { (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
if open; then echo "radicale: reusing 127.0.0.1:$PORT"; exit 0; fi
mkdir -p "$D/collections"
printf 'alice:secret\nbob:secret\n' > "$D/users"
cat > "$D/config" <<CONF
[server]
hosts = 127.0.0.1:$PORT
[auth]
type = htpasswd
htpasswd_filename = $D/users
htpasswd_encryption = plain
[rights]
type = owner_only
[storage]
filesystem_folder = $D/collections
[logging]
level = warning
CONF
nohup "$PY" -m radicale --config "$D/config" > "$D/radicale.log" 2>&1 &
echo $! > "$D/radicale.pid"
for _ in $(seq 150); do open && { echo "radicale: started on 127.0.0.1:$PORT"; exit 0; }; sleep 0.1; done
echo "radicale: port $PORT never opened; see $D/radicale.log" >&2
tail -5 "$D/radicale.log" >&2 || true
exit 1
