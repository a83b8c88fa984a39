#!/usr/bin/env bash
# Regenerates the measurements table in docs/optimization.md: every example model, every
# model under Benchmarks/models, and the model suite's ONNX exports when present
# (MODELS=dir of .onnx files, default Conformance/.cache/models, made by
# Conformance/models/export.py --keep-batchnorm), compiled at -O0 and -O2 (release build;
# interpreter latency is the median of 50 runs, 3 for the suite). Usage:
# Benchmarks/optimization-report.sh [--print]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product edgec >&2
table=$(.build/release/edgec optimization-report Grammar/examples/*.eir Benchmarks/models/*.eir --runs 50)
models=${MODELS:-Conformance/.cache/models}
if compgen -G "$models/*.onnx" > /dev/null; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for onnx in "$models"/*.onnx; do
    .build/release/edgec import "$onnx" -o "$tmp/$(basename "${onnx%.onnx}").eir" >&2
  done
  table+=$'\n'$(.build/release/edgec optimization-report "$tmp"/*.eir --runs 3 | tail -n +3)
fi
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
