#!/usr/bin/env bash
# Coverage-guided fuzzing of every format edgec reads (libFuzzer; harnesses in Fuzz/, see
# docs/reliability.md).
#
#   Scripts/fuzz.sh [--seconds N] [--markdown] [--no-build] [harness...]
#
# Builds the harnesses (Fuzz/Package.swift, -sanitize=fuzzer,address, release) into their own
# scratch path .build-fuzz, then runs each harness for N seconds (default 60) on its seed corpus
# Fuzz/corpus/<harness> plus the inputs earlier runs found (.build-fuzz/corpus/<harness>), with a
# per-input time limit (-timeout) and a memory limit (-rss_limit_mb, which also caps any single
# allocation). Prints per harness the executions and the coverage reached (libFuzzer's cov:
# edges and ft: features); --markdown prints the table for docs/reliability.md. Exits non-zero
# on any crash, hang or out-of-memory, keeping the input under Fuzz/crashes/<harness>/
# (gitignored) and printing its path. Reproduce one input with
#   .build-fuzz/release/fuzz-<harness> Fuzz/crashes/<harness>/<file>
set -uo pipefail
cd "$(dirname "$0")/.."

all=(onnx onnx-tensor onnx-value pt2 pt2-entries eir eirb pte npy)
seconds=60
markdown=0
build=1
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --markdown) markdown=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
  [[ " ${all[*]} " == *" $h "* ]] || { echo "fuzz.sh: no harness '$h' (harnesses: ${all[*]})" >&2; exit 2; }
done

# Limits per input: ASan-instrumented code runs a few times slower than a release build.
timeout_s=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
scratch="$PWD/.build-fuzz"

if [ "$build" = 1 ]; then
  echo "== building the fuzz harnesses (.build-fuzz, -sanitize=fuzzer,address)"
  swift build --package-path Fuzz --scratch-path "$scratch" -c release \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library 2>&1 \
    | grep -vE "warning: Cannot export local symbol|^\[[0-9]+/[0-9]+\] (Compiling|Write|Emitting)" || true
  [ "${PIPESTATUS[0]}" = 0 ] || { echo "FAIL: the fuzz harnesses do not build"; exit 1; }
fi

status=0
rows=()
for h in "${harnesses[@]}"; do
  bin="$scratch/release/fuzz-$h"
  [ -x "$bin" ] || { echo "FAIL: $bin is missing (run without --no-build)"; exit 1; }
  work="$scratch/corpus/$h"
  crashes="Fuzz/crashes/$h"
  mkdir -p "$work" "$crashes"
  log="$scratch/fuzz-$h.log"
  dict=()
  [ -f "Fuzz/dict/$h.dict" ] && dict=(-dict="Fuzz/dict/$h.dict")
  echo "== fuzz-$h: ${seconds}s (timeout ${timeout_s}s per input, memory ${rss_mb} MB)"
  # No Swift backtracer: its crash handler trips over ASan; libFuzzer's report names the input.
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=0 "$bin" "$work" "Fuzz/corpus/$h" "${dict[@]}" \
    -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" > "$log" 2>&1
  rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
  last=$(grep -E '#[0-9]+.*cov: [0-9]+' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
  corp=$(grep -oE 'corp: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
  result=ok
  if [ "$rc" != 0 ]; then
    status=1
    artifact=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
    kind=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer): [a-zA-Z -]+' "$log" | sed -E 's/ERROR: //; s/ +$//')
    fatal=$(grep -m1 -oE 'Fatal error: .{0,120}' "$log")
    [ -n "$fatal" ] && kind="${kind:+$kind: }$fatal"
    result="FAIL (${kind:-exit $rc})"
    grep -E 'Fatal error|ERROR:|SUMMARY' "$log" | head -5
    echo "FAIL: fuzz-$h: ${kind:-exit $rc}; input: ${artifact:-none written}; log: $log"
    echo "      reproduce: $bin ${artifact:-<input>}"
  fi
  echo "fuzz-$h: ${execs:-0} executions, cov ${cov:-?} edges, ft ${ft:-?} features, corpus ${corp:-?}: $result"
  rows+=("| $h | $seconds | ${execs:-0} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $result |")
done

if [ "$markdown" = 1 ]; then
  echo
  echo "| harness | seconds | executions | coverage (cov: edges) | features (ft:) | corpus | result |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
  printf '%s\n' "${rows[@]}"
fi
exit "$status"
