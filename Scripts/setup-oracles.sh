#!/usr/bin/env bash
# Creates .venv/ with the Python oracles (ONNX, ONNX Runtime, PyTorch, ExecuTorch) pinned in
# Conformance/requirements*.txt. Idempotent: a venv whose pins match is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
stamp="$venv/.edgec-requirements"
want=$(cat Conformance/requirements.txt Conformance/requirements-nodeps.txt | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "== setting up Python oracles in $venv (first time: a few minutes)"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
"$venv/bin/python" -m pip install -q -r Conformance/requirements.txt
"$venv/bin/python" -m pip install -q --no-deps -r Conformance/requirements-nodeps.txt
"$venv/bin/python" - <<'PY'
import onnx, onnxruntime, torch, numpy, transformers, sklearn, PIL
from executorch.runtime import Runtime
print("oracles:", "onnx", onnx.__version__, "| onnxruntime", onnxruntime.__version__,
      "| torch", torch.__version__, "| transformers", transformers.__version__, "| scikit-learn", sklearn.__version__,
      "| executorch runtime ok:", len(Runtime.get().operator_registry.operator_names), "kernels")
PY
echo "$want" > "$stamp"
