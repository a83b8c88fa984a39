#!/usr/bin/env bash
# Runs every test of edgec on a fresh clone: builds the package (debug) and runs the
# Swift test suites (unit, round-trip, mutation, text tests of passes, CLI end to end).
# CI runs exactly this script (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh

echo "== swift build (debug, with tests)"
swift build --build-tests

echo "== swift test"
# The full log stays in .build/test.log; the console skips per-case "started" lines.
set +e
swift test --skip-build --parallel 2>&1 | tee .build/test.log | grep -vE '^(◇|✔ Test case)'
status=${PIPESTATUS[0]}
set -e
exit "$status"
