#!/usr/bin/env bash
# Runs a command with a throwaway MongoDB-compatible server (SecantusDB, in memory) and
# MONGO_TEST_URI pointing at it:   scripts/with-mongo.sh swift test
# SecantusDB is installed into .venv/ (gitignored) on first use. The server is stopped by PID on exit,
# whatever the command's outcome.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
secantus_version="0.7.0b3"

if [ "$#" -eq 0 ]; then
    echo "usage: scripts/with-mongo.sh COMMAND [ARGS...]" >&2
    exit 2
fi

if ! "$venv/bin/python" -c 'import secantus, pymongo' >/dev/null 2>&1 || [ ! -x "$venv/bin/secantusd-py" ]; then
    echo "with-mongo: installing SecantusDB $secantus_version into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "SecantusDB==$secantus_version"
fi

# A free port: bind to port 0 and let the kernel choose (a tiny race with other processes is accepted).
port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
log="$(mktemp -t secantus.XXXXXX.log)"

"$venv/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path :memory: >"$log" 2>&1 &
server_pid=$!

stop_server() {
    if kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
    rm -f "$log"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Wait (up to 30 s) until the server answers a ping.
if ! "$venv/bin/python" - "$port" <<'PY'
import sys, time
import pymongo
port = int(sys.argv[1])
deadline = time.monotonic() + 30
while True:
    try:
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=500)
        client.admin.command("ping")
        client.close()
        break
    except Exception as error:
        if time.monotonic() > deadline:
            print(f"with-mongo: SecantusDB on port {port} did not answer a ping: {error}", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.2)
PY
then
    echo "with-mongo: server log follows" >&2
    cat "$log" >&2
    exit 1
fi

# w=majority: the tests exercise the write concern production should use (one node: its own majority).
export MONGO_TEST_URI="mongodb://127.0.0.1:$port/?replicaSet=secantus&w=majority"
echo "with-mongo: SecantusDB $secantus_version on 127.0.0.1:$port (pid $server_pid)" >&2
"$@"
