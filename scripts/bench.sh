#!/usr/bin/env bash
# make bench: chatctl against the aiohttp baseline, one after the other, under the same load generator
# (.build/release/chatbench). Prints one table (both columns and the ratio) and writes JSON under bench/results/.
#
# Environment knobs (defaults in brackets):
#   BENCH_DURATION [10]   measured seconds of the fan-out and latency scenarios (after BENCH_WARMUP [2])
#   BENCH_LATENCY_RATES ["100 10"]  messages/s per sender in the latency scenario (100 is the issue's; 10 is light load)
#   BENCH_CONNS ["2000 10000"]   idle-connection counts
#   BENCH_CONN_TIMEOUT [180]     give up connecting after this many seconds (the baseline's join broadcasts are O(n²))
#   BENCH_HISTORY_N [1000000]    stored messages for chatctl's history and export/import scenarios
#   BENCH_BASELINE_HISTORY_N [10000]  the same for the baseline (seeded over its WebSocket: 1M would take hours)
#   BENCH_SEED_WS_BIG [1]       without `chatctl history import`, store chatctl's BENCH_HISTORY_N messages over the WebSocket
#   BENCH_SCENARIOS ["fanout latency store connections history export"]
#   BENCH_SERVERS ["baseline chatctl"]
#   PEER_DIR [../shared/peer_aiohttp]   the baseline
#   BENCH_SKIP_BUILD [0]
#   BENCH_QUICK [0]      1: short smoke run (3 s windows, 500 connections, 20,000 / 1,000 stored messages)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "${BENCH_QUICK:-0}" = 1 ]; then   # a smoke run of every scenario in a few minutes
    : "${BENCH_DURATION:=3}" "${BENCH_WARMUP:=1}" "${BENCH_CONNS:=500}" "${BENCH_HISTORY_N:=20000}"
    : "${BENCH_BASELINE_HISTORY_N:=1000}" "${BENCH_CONN_TIMEOUT:=60}"
fi
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNS:-"2000 10000"}
LATENCY_RATES=${BENCH_LATENCY_RATES:-"100 10"}
CONN_TIMEOUT=${BENCH_CONN_TIMEOUT:-180}
HISTORY_N=${BENCH_HISTORY_N:-1000000}
BASELINE_HISTORY_N=${BENCH_BASELINE_HISTORY_N:-10000}
SCENARIOS=${BENCH_SCENARIOS:-"fanout latency store connections history export"}
SERVERS=${BENCH_SERVERS:-"baseline chatctl"}
PEER_DIR=${PEER_DIR:-$ROOT/../shared/peer_aiohttp}
BASE_PORT=${BENCH_PORT:-18700}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/$STAMP
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/chatbench.XXXXXX")
SERVER_PID=""

say() { printf 'bench: %s\n' "$*" >&2; }

cleanup() {
    stop_server
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- machine set-up ------------------------------------------------------------------------------------
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
say "open files limit: $(ulimit -n)"
PIN_SERVER=() PIN_GEN=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
    PIN_SERVER=(taskset -c 0) PIN_GEN=(taskset -c 1)
    say "pinning: server on CPU 0, chatbench on CPU 1"
else
    say "taskset missing or one CPU: not pinning"
fi

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    say "building (release)"
    swift build -c release --product chatbench >&2 || { say "chatbench did not build"; exit 1; }
    swift build -c release --product chatctl >&2 || say "chatctl did not build: its column will be skipped"
fi
BIN=$(swift build -c release --show-bin-path 2>/dev/null || echo "$ROOT/.build/release")
BENCH=$BIN/chatbench
CHATCTL=$BIN/chatctl

# ArgumentParser answers `--help` of an unknown subcommand with the root's help (exit 0): look for its USAGE line.
has_cmd() { "$CHATCTL" "$@" --help 2>&1 | grep -q "USAGE: chatctl $*"; }
CHATCTL_SKIP=""
if [ ! -x "$CHATCTL" ]; then
    CHATCTL_SKIP="no chatctl binary"
elif ! has_cmd serve; then
    CHATCTL_SKIP="this chatctl has no 'serve' subcommand yet"
fi
HAS_IMPORT=0
if [ -z "$CHATCTL_SKIP" ] && has_cmd history import; then HAS_IMPORT=1; fi
HAS_EXPORT=0
if [ -z "$CHATCTL_SKIP" ] && has_cmd history export; then HAS_EXPORT=1; fi
BASELINE_SKIP=""
[ -x "$PEER_DIR/run.sh" ] || BASELINE_SKIP="no baseline at $PEER_DIR"

# --- servers -------------------------------------------------------------------------------------------
PORT=$BASE_PORT
DATA_DIR=""

wait_ready() { # port pid
    local i
    for i in $(seq 1 1500); do   # up to ~5 min: the baseline's first start creates its venv
        if ! kill -0 "$2" 2>/dev/null; then return 1; fi
        if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/login"; then return 0; fi
        sleep 0.2
    done
    return 1
}

# start_server NAME [DATA_DIR to reuse]
start_server() {
    PORT=$((PORT + 1))
    case $1 in
        baseline)
            LOG_LEVEL=INFO "${PIN_SERVER[@]}" "$PEER_DIR/run.sh" "$PORT" >"$OUT/baseline-server.log" 2>&1 &
            SERVER_PID=$!
            ;;
        chatctl)
            DATA_DIR=${2:-$(mktemp -d "$TMP/data.XXXXXX")}
            DATA_DIR=$DATA_DIR RATE_LIMIT=1000000 RATE_BURST=1000000 SIGNUPS_PER_ADDRESS=10000000 BCRYPT_COST=4 LOG_LEVEL=warning \
                "${PIN_SERVER[@]}" "$CHATCTL" serve --host 127.0.0.1 --port "$PORT" >>"$OUT/chatctl-server.log" 2>&1 &
            SERVER_PID=$!
            ;;
    esac
    if ! wait_ready "$PORT" "$SERVER_PID"; then
        say "$1 did not start on port $PORT (log: $OUT/$1-server.log)"
        stop_server
        return 1
    fi
    sleep 0.5
}

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=""
    fi
}

# gen NAME FILE-STEM args…: run chatbench against the running server, keep its JSON.
gen() {
    local server=$1 stem=$2; shift 2
    say "$server: chatbench $*"
    if timeout 1800 "${PIN_GEN[@]}" "$BENCH" "$@" --url "http://127.0.0.1:$PORT" --pid "$SERVER_PID" --label "$server" \
        >"$OUT/$server-$stem.json" 2> >(tee -a "$OUT/chatbench.log" >&2); then
        return 0
    fi
    say "$server: chatbench $1 failed (see $OUT/chatbench.log)"
    echo "{\"scenario\":\"$stem\",\"label\":\"$server\",\"error\":\"chatbench failed\"}" >"$OUT/$server-$stem.json"
    return 1
}

skip() { # server stem reason
    say "$1: skipping $2: $3"
    jq -cn --arg s "$2" --arg l "$1" --arg r "$3" '{scenario:$s,label:$l,skipped:$r}' >"$OUT/$1-$2.json"
}

# run one scenario against one server, on a fresh server process
scenario() { # server name
    local server=$1 sc=$2
    case $sc in
        fanout)
            start_server "$server" || return
            gen "$server" fanout fanout --clients 100 --senders 10 --window 128 --duration "$DURATION" --warmup "$WARMUP"
            stop_server ;;
        latency)
            for rate in $LATENCY_RATES; do
                stem=latency; [ "$rate" = 100 ] || stem=latency-$rate
                start_server "$server" || return
                gen "$server" "$stem" latency --clients 100 --senders 10 --rate "$rate" --duration "$DURATION" --warmup "$WARMUP"
                stop_server
            done ;;
        store)
            # one client, one sender: the cost of storing (and echoing once) a message
            start_server "$server" || return
            gen "$server" store fanout --scenario store --clients 1 --senders 1 --window 64 --users 1 \
                --duration "$DURATION" --warmup "$WARMUP"
            stop_server ;;
        connections)
            for n in $CONNS; do
                start_server "$server" || return
                gen "$server" "connections-$n" connections --count "$n" --timeout "$CONN_TIMEOUT" --settle-max 60
                stop_server
            done ;;
        history)
            # small history: 100 messages stored over the WebSocket, both servers
            start_server "$server" || return
            gen "$server" seed-100 seed --messages 100 &&
                gen "$server" history-100 history --requests 300 --stored 100
            stop_server
            # the same mid-size history on both servers, stored over the WebSocket: a like-for-like ratio
            start_server "$server" || return
            gen "$server" "seed-$BASELINE_HISTORY_N" seed --messages "$BASELINE_HISTORY_N" --window 256 &&
                gen "$server" history-mid history --requests 20 --stored "$BASELINE_HISTORY_N" --timeout 120
            stop_server
            if [ "$server" = chatctl ]; then
                if [ "$HAS_IMPORT" = 1 ]; then
                    history_big_chatctl
                elif [ "${BENCH_SEED_WS_BIG:-1}" = 1 ]; then
                    # no import command yet: store HISTORY_N messages over the WebSocket instead
                    start_server chatctl || return
                    gen chatctl "seed-$HISTORY_N" seed --messages "$HISTORY_N" --window 256 --timeout 900 &&
                        gen chatctl history-big history --requests 100 --stored "$HISTORY_N" --timeout 120
                    stop_server
                else
                    skip chatctl history-big "chatctl has no 'history import' yet"
                fi
            fi ;;
        export)
            if [ "$server" = baseline ]; then
                skip baseline export "the baseline has no export/import"
            elif [ "$HAS_IMPORT" != 1 ]; then
                skip chatctl export "chatctl has no 'history import' yet"
            elif [ ! -s "$OUT/chatctl-export.json" ]; then
                history_big_chatctl
            fi ;;
    esac
}

# /usr/bin/time wrapper → JSON {seconds, max_rss_kb, exit}
timed() { # stem count cmd…
    local stem=$1 count=$2; shift 2
    local tf=$TMP/time.$$ rc=0
    /usr/bin/time -f '%e %M' -o "$tf" "$@" >"$TMP/$stem.out" 2>"$TMP/$stem.err" || rc=$?
    # on failure /usr/bin/time writes "Command exited with non-zero status N" first: the figures are last
    read -r secs rss < <(tail -n 1 "$tf") || true
    [[ "$secs" =~ ^[0-9.]+$ ]] || secs=0
    [[ "$rss" =~ ^[0-9]+$ ]] || rss=0
    jq -cn --arg stem "$stem" --argjson s "${secs:-0}" --argjson r "${rss:-0}" --argjson n "$count" --argjson rc "$rc" \
        '{step:$stem,seconds:$s,max_rss_kb:$r,messages:$n,messages_per_s:(if $s>0 and $rc==0 then $n/$s else null end),exit:$rc}'
    [ "$rc" = 0 ] || say "$stem failed ($rc): $(tail -n 3 "$TMP/$stem.err")"
}

# chatctl with HISTORY_N stored messages: import (timed), export (timed), then GET / and /api/messages.
history_big_chatctl() {
    local dir file imp exp=null
    dir=$(mktemp -d "$TMP/data.XXXXXX")
    file=$TMP/history.jsonl
    say "chatctl: generating $HISTORY_N messages"
    [ -s "$file" ] || "$BENCH" gen-history --count "$HISTORY_N" --out "$file"
    say "chatctl: history import of $HISTORY_N messages"
    imp=$(DATA_DIR=$dir BCRYPT_COST=4 LOG_LEVEL=warning timed import "$HISTORY_N" "${PIN_SERVER[@]}" "$CHATCTL" history import "$file")
    if [ "$HAS_EXPORT" = 1 ]; then
        say "chatctl: history export"
        exp=$(DATA_DIR=$dir LOG_LEVEL=warning timed export "$HISTORY_N" "${PIN_SERVER[@]}" "$CHATCTL" history export --out "$TMP/export.jsonl")
        rm -f "$TMP/export.jsonl"
    fi
    jq -cn --argjson i "$imp" --argjson e "$exp" --argjson n "$HISTORY_N" \
        '{scenario:"export",label:"chatctl",stored:$n,import:$i,export:$e}' >"$OUT/chatctl-export.json"
    if ! jq -e '.exit == 0' >/dev/null <<<"$imp"; then
        skip chatctl history-big "chatctl history import failed (see $OUT/chatbench.log)"
        tail -n 5 "$TMP/import.err" >>"$OUT/chatbench.log"
        return
    fi
    start_server chatctl "$dir" || return
    gen chatctl history-big history --requests 100 --stored "$HISTORY_N" --timeout 120
    stop_server
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# --- run -----------------------------------------------------------------------------------------------
# Scenario by scenario, the two servers back to back: on a shared machine the load drifts, and a scenario's
# two columns are then measured minutes apart at most rather than the whole run apart.
for sc in $SCENARIOS; do
    for server in $SERVERS; do
        reason=""
        [ "$server" = chatctl ] && reason=$CHATCTL_SKIP
        [ "$server" = baseline ] && reason=$BASELINE_SKIP
        if [ -n "$reason" ]; then skip "$server" "$sc" "$reason"; continue; fi
        scenario "$server" "$sc"
    done
done

# --- report --------------------------------------------------------------------------------------------
python3 "$ROOT/scripts/bench_report.py" "$OUT" \
    --note "machine: $(nproc) cores, $(uname -m); load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine depresses both columns; compare ratios); baseline history seeded with $BASELINE_HISTORY_N messages, chatctl with $HISTORY_N" \
    || say "report failed"
ln -sfn "$STAMP" "$ROOT/bench/results/latest"
say "results: $OUT"
