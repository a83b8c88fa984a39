#!/usr/bin/env bash
# Runs every test of edgec on a fresh clone. CI runs exactly this script (.ci/run).
#  1. system tools the tests use (flatc), 2. debug build with tests, 3. the pinned Python
#  oracles in .venv (ONNX, ONNX Runtime, PyTorch, ExecuTorch), 4. the interop check (edgec's
#  .pte files in ExecuTorch's own runtime; torch.export fixtures against eager PyTorch; bounded
#  dynamic shapes in both executors),
#  5. real models (a quick subset of Conformance/models/check_models.py, portable and arm-cpu),
#  edgec profile/report on zoo models for both backends, profiles from an ETDump
#  and the HTML report in headless Chromium, 6. the ONNX node-test
#  conformance suite on edgec's interpreter and on ExecuTorch's runtime, for the portable and
#  the arm-cpu backend, checked against the expected-pass lists, 7. the Swift test suites (unit, round-trip, mutation, text tests of
#  passes, CLI end to end), 8. each fuzz harness for 30 s (Scripts/fuzz.sh: a crash, hang or
#  out-of-memory fails the script). A conformance regression fails the script after the Swift
#  suites ran.
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh

echo "== swift build (debug, with tests)"
swift build --build-tests

echo "== Python oracles (.venv)"
Scripts/setup-oracles.sh

echo "== interop: edgec's .pte in ExecuTorch 1.5.1's runtime"
.venv/bin/python Conformance/interop_check.py --edgec .build/debug/edgec 2>&1 \
  | grep -vE '^\[cpuinfo|FutureWarning|return cls.__new__'

echo "== INT8: QDQ Edge IR and dynamic INT8 compiled for arm-cpu, in ExecuTorch 1.5.1 and edgec's interpreter"
.venv/bin/python Conformance/xnnpack/check_int8.py --edgec .build/debug/edgec 2>&1 \
  | grep -vE '^\[cpuinfo|FutureWarning|return cls.__new__|Failed to load|KernelPreference'

echo "== torch.export fixtures: edgec (interpreter and ExecuTorch) against eager PyTorch"
.venv/bin/python Conformance/torch/compare.py --edgec .build/debug/edgec 2>&1 \
  | grep -vE '^\[cpuinfo|FutureWarning|return cls.__new__|Failed to load|KernelPreference'

echo "== bounded dynamic shapes: --input-shape x=1..8,... in edgec's interpreter and ExecuTorch vs ONNX Runtime"
.venv/bin/python Conformance/bounded/check_bounded.py --edgec .build/debug/edgec 2>&1 \
  | grep -vE '^\[cpuinfo|^\[tensor_impl|^\[method|FutureWarning|return cls.__new__|Failed to load|KernelPreference'

echo "== real models: edgec's interpreter and ExecuTorch vs ONNX Runtime (quick subset)"
# Two zoo models, two onnx light models and the Hugging Face BERT fixture through ONNX and .pt2
# (make_hf_models.py builds it on first use, ~10 s), debug build (~2-4 min on 2 cores); every model:
#   .venv/bin/python Conformance/models/check_models.py --edgec .build-release/release/edgec
.venv/bin/python Conformance/models/check_models.py --edgec .build/debug/edgec --models mobilenet_v2 resnet18 \
  --light squeezenet shufflenet --hf bert --hf-formats opset14 pt2 --strict --no-et-export 2>&1 \
  | grep -vE '^\[cpuinfo|FutureWarning|return cls.__new__|^\[(zoo|light|hf):|Failed to load|KernelPreference|warnings.warn'

echo "== real models for arm-cpu (XNNPACK delegate): edgec's interpreter and ExecuTorch vs ONNX Runtime (quick subset)"
.venv/bin/python Conformance/models/check_models.py --edgec .build/debug/edgec --backend arm-cpu --models mobilenet_v2 resnet18 \
  --light squeezenet shufflenet --strict --no-et-export 2>&1 \
  | grep -vE '^\[cpuinfo|FutureWarning|return cls.__new__|^\[(zoo|light):|Failed to load|KernelPreference|warnings.warn'

echo "== a pretrained streaming model with an If: silero-vad (--input-value sr=16000), both backends and executors vs ONNX Runtime"
.venv/bin/python Conformance/models/check_vad.py --edgec .build/debug/edgec 2>&1 \
  | grep -vE '^\[cpuinfo|FutureWarning|return cls.__new__|Failed to load|KernelPreference|warnings.warn|register_constant'

echo "== edgec profile and report on zoo models, portable and arm-cpu (quick subset; every model: Scripts/check_profiles.py)"
.venv/bin/python Scripts/check_profiles.py --edgec .build/debug/edgec --models mobilenet_v2 squeezenet1_1 bert_mini 2>&1 \
  | grep -vE '^\[cpuinfo|FutureWarning|Failed to load|KernelPreference'

echo "== edgec profile and report: ExecuTorch's own ETDump, the report in headless Chromium"
# An ETDump recorded now by ExecuTorch's runtime must name the model's nodes in edgec profile;
# the report must load offline without a console message (screenshot: .build/report-check/).
.build/debug/edgec compile Examples/tiny_cnn.onnx -o .build/profile-tiny_cnn.pte
.venv/bin/python Benchmarks/make_etdump.py .build/profile-tiny_cnn.pte -o .build/profile-tiny_cnn.etdump \
  --input Examples/tiny_cnn.input.npy 2>&1 | grep -vE '^\[cpuinfo|Failed to load|KernelPreference|FutureWarning'
.build/debug/edgec profile .build/profile-tiny_cnn.pte --etdump .build/profile-tiny_cnn.etdump | grep '/conv2/Conv' > /dev/null
.venv/bin/python Scripts/check_report_browser.py --edgec .build/debug/edgec --out .build/report-check

echo "== conformance: ONNX node tests (onnx $(.venv/bin/python -c 'import onnx; print(onnx.__version__)'), Conformance/.cache/onnx-node)"
.venv/bin/python Conformance/onnx-node/generate.py
conformance=0
.build/debug/edgec conformance Conformance/.cache/onnx-node --executor interpreter --jobs 2 \
  --expected Conformance/onnx-node/expected-pass.txt --report .build/conformance-interpreter.json || conformance=1
# The same list must pass with no optimization: passes may not change which cases pass.
.build/debug/edgec conformance Conformance/.cache/onnx-node --executor interpreter -O0 --jobs 2 \
  --expected Conformance/onnx-node/expected-pass.txt || conformance=1
.build/debug/edgec conformance Conformance/.cache/onnx-node --executor executorch --jobs 2 \
  --expected Conformance/onnx-node/expected-pass-executorch.txt --report .build/conformance-executorch.json || conformance=1
# arm-cpu: every case compiled for the XNNPACK delegate (portable kernels for the rest), on both executors.
.build/debug/edgec conformance Conformance/.cache/onnx-node --backend arm-cpu --executor interpreter --jobs 2 \
  --expected Conformance/onnx-node/expected-pass-arm-cpu.txt --report .build/conformance-arm-cpu-interpreter.json || conformance=1
.build/debug/edgec conformance Conformance/.cache/onnx-node --backend arm-cpu --executor executorch --jobs 2 \
  --expected Conformance/onnx-node/expected-pass-arm-cpu-executorch.txt --report .build/conformance-arm-cpu-executorch.json || conformance=1

echo "== conformance: control flow and recurrent fixtures (Conformance/control-flow, references from ONNX Runtime)"
for opt in -O2 -O0; do
  .build/debug/edgec conformance Conformance/control-flow --executor interpreter $opt \
    --expected Conformance/control-flow/expected-pass.txt || conformance=1
done
.build/debug/edgec conformance Conformance/control-flow --executor executorch \
  --expected Conformance/control-flow/expected-pass-executorch.txt || conformance=1
# arm-cpu: XNNPACK partitions in @main and inside the branches of run-time Ifs.
for executor in interpreter executorch; do
  .build/debug/edgec conformance Conformance/control-flow --backend arm-cpu --executor $executor \
    --expected Conformance/control-flow/expected-pass-arm-cpu.txt || conformance=1
done

echo "== swift test"
# The full log stays in .build/test.log; the console skips per-case "started" lines.
set +e
swift test --skip-build --parallel 2>&1 | tee .build/test.log | grep -vE '^(◇|✔ Test case)'
status=${PIPESTATUS[0]}
set -e

echo "== fuzz: every reader under libFuzzer, 30 s each (Scripts/fuzz.sh; docs/reliability.md)"
fuzz=0
Scripts/fuzz.sh --seconds 30 || fuzz=1
if [ "$fuzz" != 0 ]; then
  echo "FAIL: a fuzz harness found a crash, hang or out-of-memory (input and reproducer printed above)"
  status=1
fi
if [ "$conformance" != 0 ]; then
  echo "FAIL: a case in an expected-pass list stopped passing (see the conformance output above)"
  exit 1
fi
exit "$status"
