#!/usr/bin/env bash
# The whole test suite: everything once (SQLite and, through MONGO_TEST_URI, MongoDB store contracts), then
# the end-to-end server suites again with MongoDB as the server's store.
set -euo pipefail
cd "$(dirname "$0")/.."
# libmongoc initialises itself when the binary loads and keeps performance counters in /dev/shm/mongoc-PID;
# test processes that are killed leave those files behind, and a later process whose PID is reused warns
# on stderr. The counters are unused: turn them off for every process the tests start.
export MONGOC_DISABLE_SHM=1
swift build --build-tests
CHATCTL_BIN_PATH="$(swift build --show-bin-path)"
export CHATCTL_BIN_PATH
swift test --skip-build
if [ -n "${MONGO_TEST_URI:-}" ]; then
    echo "== end-to-end server tests again, MongoDB store ($MONGO_TEST_URI)"
    CHATCTL_TEST_STORE_URI="$MONGO_TEST_URI" swift test --skip-build --filter 'AccountFlowTests|WebSocketTests|SessionTests'
elif [ "${CI:-}" = "true" ]; then
    echo "MONGO_TEST_URI is not set: the MongoDB end-to-end run cannot be skipped in CI" >&2
    exit 1
fi
