#!/usr/bin/env bash
# Export/import benchmark: N messages (default 1,000,000) imported into a fresh store, exported again, the export
# compared byte for byte with the input, and messages/second and peak RSS printed for each direction.
#   scripts/bench-transfer.sh [N]                        SQLite (DATA_DIR in a temp dir)
#   scripts/with-mongo.sh scripts/bench-transfer.sh [N]  also MongoDB (MONGO_TEST_URI)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
swift build -c release --product chatctl >/dev/null
bin="$PWD/.build/release/chatctl"
work="$(mktemp -d -t chatctl-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

python3 - "$count" "$work/in.json" <<'PY'
import sys, time
count, path = int(sys.argv[1]), sys.argv[2]
base = 1_700_000_000_000
with open(path, "w") as f:
    for i in range(count):
        ms = base + i * 37
        frac = ("%03d" % (ms % 1000)).rstrip("0")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ("." + frac if frac else "") + "Z"
        oid = "%08x%016x" % (ms // 1000, i)
        f.write('{"_id":{"$oid":"%s"},"user":"user%d","msg":"message %d with \\"quotes\\", unicode é 😀 and some more text","time":{"$date":"%s"}}\n'
                % (oid, i % 100, i, stamp))
PY
echo "input: $count messages, $(du -h "$work/in.json" | cut -f1)"

measure() {  # label, command...
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" 2>"$work/stderr" >/dev/null || { cat "$work/stderr" >&2; exit 1; }
    read -r seconds rss_kb < "$work/time"
    printf '%-28s %8.1f s  %10.0f msg/s  peak RSS %6.1f MiB\n' "$label" "$seconds" "$(echo "$count / $seconds" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)"
}

run_store() {  # label, env...
    local label="$1"; shift
    measure "$label import" env "$@" DATA_DIR="$work/data-$label" "$bin" history import "$work/in.json"
    measure "$label re-import (no-op)" env "$@" DATA_DIR="$work/data-$label" "$bin" history import "$work/in.json"
    measure "$label export" env "$@" DATA_DIR="$work/data-$label" "$bin" history export --out "$work/out-$label.json"
    cmp -s "$work/in.json" "$work/out-$label.json" && echo "$label: export is byte-identical to the input" \
        || { echo "$label: export differs from the input" >&2; exit 1; }
}

run_store sqlite
if [ -n "${MONGO_TEST_URI:-}" ]; then
    # SecantusDB sorts a whole 1M collection before its first batch: longer than the default 15 s socket timeout.
    run_store mongo MONGO_HOST="$MONGO_TEST_URI&socketTimeoutMS=900000" MONGO_DB_NAME="chatctl_bench_$$"
fi
