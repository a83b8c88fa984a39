#!/usr/bin/env bash
# Regenerates the measurements table in docs/optimization.md: every example model and every
# model under Benchmarks/models compiled at -O0 and -O2 (release build, interpreter latency
# as the median of 50 runs). Usage: Benchmarks/optimization-report.sh [--print]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product edgec >&2
table=$(.build/release/edgec optimization-report Grammar/examples/*.eir Benchmarks/models/*.eir --runs 50)
if [[ "${1:-}" == "--print" ]]; then echo "$table"; exit 0; fi
# Replace the lines between the report markers.
python3 - "$table" <<'PY'
import sys, re
table = sys.argv[1]
path = "docs/optimization.md"
text = open(path).read()
begin, end = "<!-- optimization-report:begin -->", "<!-- optimization-report:end -->"
text = re.sub(re.escape(begin) + ".*?" + re.escape(end), begin + "\n" + table + "\n" + end, text, flags=re.S)
open(path, "w").write(text)
PY
echo "docs/optimization.md updated" >&2
