#!/usr/bin/env python3
"""Builds small Hugging Face `transformers` models from random-initialised configs (no weights or
tokenizers are downloaded; nothing touches the network) and exports each through ONNX and
torch.export, with fixed-seed inputs and reference outputs, for edgec's model suite
(Conformance/models/check_models.py --hf).

Models (HF_MODELS below; every one in eval mode, attention as transformers picks it by default,
i.e. `sdpa`, unless the name ends in _eager):

  bert             BertModel, 2 layers, hidden 64, 2 heads, vocab 1000; input_ids,
                   attention_mask (row 1 right-padded), token_type_ids -> last_hidden_state,
                   pooler_output
  bert_eager       the same with attn_implementation="eager" (matmul + additive mask + softmax)
  roberta          RobertaModel, as bert without pooler; position ids from a cumulative sum of
                   the non-pad tokens (CumSum / aten.cumsum); row 1 padded with the pad token
  distilbert       DistilBertModel, 2 layers, dim 64, 2 heads; input_ids, attention_mask
                   -> last_hidden_state
  gpt2             GPT2LMHeadModel (tied embedding), 2 layers, 64, 2 heads, no KV cache;
                   input_ids, attention_mask (row 1 right-padded) -> logits
  gpt2_eager       the same with attn_implementation="eager"
  whisper_encoder  WhisperEncoder, 16 mel bins, 2 layers, d_model 64, 32 source positions;
                   input_features f32[2,16,64] -> last_hidden_state

For every model it writes into the output folder (default Conformance/.cache/models/hf):

  <name>.opset<N>.onnx   torch.onnx.export(..., dynamo=False), the TorchScript exporter, for each
                         --opsets N (default 14 and 18); batch and sequence dims exported as
                         symbolic dims ("batch", "sequence"), as Hugging Face's exporters do, so
                         edgec needs --input-shape (check_models.py passes the inputs' shapes)
  <name>.pt2             torch.export.export(...) (static shapes) saved with torch.export.save
                         (the training IR: aten.linear, aten.scaled_dot_product_attention, ...)
  <name>.core.pt2        the same after run_decompositions() (core ATen: aten.addmm, aten.bmm,
                         aten._softmax, aten.where.self, ...), what ExecuTorch's to_edge starts from
  <name>.dynamic.pt2     exported with batch (1..8) and sequence (2..64) as torch.export.Dim, so
                         the program keeps sym_size / position-id arithmetic; compiled with
                         --input-shape
  <name>.inputs.npz      the inputs by name (int64 token ids and masks, float32 features)
  <name>.torch.npz       eager PyTorch outputs by name
  <name>.opset<N>.ort.npz  ONNX Runtime's outputs (CPU, 1 thread) of each .onnx
  manifest.json          per model: inputs, outputs, ONNX and ATen op counts, max differences
                         between eager PyTorch, ONNX Runtime and the reloaded .pt2, and whether
                         torch.onnx.export(dynamo=True) works (it needs onnxscript, which the
                         pinned oracles do not include)

Deterministic: the weights come from torch.manual_seed(--seed) before each model is built, the
inputs from numpy's RandomState(seed); the same command writes the same files.
The exit status is 1 if eager PyTorch and ONNX Runtime (or the reloaded .pt2) differ by more
than 1e-4 relative to the output's largest magnitude.

Usage:
  .venv/bin/python Conformance/models/make_hf_models.py                  # every model
  .venv/bin/python Conformance/models/make_hf_models.py bert --opsets 17
  .venv/bin/python Conformance/models/make_hf_models.py --list
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

import numpy as np

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
os.environ.setdefault("HF_HUB_OFFLINE", "1")          # nothing below may reach the hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", ".cache", "models", "hf")
BATCH, SEQ, VOCAB = 2, 16, 1000


@dataclass
class HFModel:
    description: str
    build: Callable[[str], "torch.nn.Module"]       # noqa: F821 - torch is imported lazily; takes the attention
    inputs: Callable[[np.random.RandomState], Dict[str, np.ndarray]]
    outputs: List[str]
    dynamic: Dict[str, Dict[int, str]]               # ONNX dynamic axes of the inputs and outputs
    attention: str = "sdpa"                          # transformers' attn_implementation


def token_inputs(rng: np.random.RandomState, token_types: bool = False) -> Dict[str, np.ndarray]:
    ids = rng.randint(0, VOCAB, size=(BATCH, SEQ)).astype(np.int64)
    mask = np.ones((BATCH, SEQ), np.int64)
    mask[1, SEQ - 5:] = 0                           # row 1: 11 tokens and 5 of right padding
    feeds = {"input_ids": ids, "attention_mask": mask}
    if token_types:
        tt = np.zeros((BATCH, SEQ), np.int64)
        tt[:, SEQ // 2:] = 1
        feeds["token_type_ids"] = tt
    return feeds


def wrap(model, outputs: List[str], names: List[str]):
    """A module whose forward takes `names` positionally (so ONNX inputs and torch.export's user
    inputs carry those names) and returns the chosen fields of the model's output as a tuple."""
    import torch

    # forward is written out with the input names as its parameters: torch.export names the
    # program's user inputs after them (a *args forward would give args_0, args_1, ...).
    params = ", ".join(names)
    source = (f"def forward(self, {params}):\n"
              f"    out = self.model({', '.join(f'{n}={n}' for n in names)})\n"
              f"    return tuple(getattr(out, k) for k in self.outputs)\n")
    namespace: dict = {}
    exec(source, namespace)  # noqa: S102 - fixed text built from the names above

    class Wrapped(torch.nn.Module):
        forward = namespace["forward"]

        def __init__(self):
            super().__init__()
            self.model = model
            self.outputs = list(outputs)

    return Wrapped().eval()


def build_bert(attention: str):
    from transformers import BertConfig, BertModel
    cfg = BertConfig(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=128, max_position_embeddings=64, type_vocab_size=2,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, attn_implementation=attention)
    return BertModel(cfg)


def build_roberta(attention: str):
    from transformers import RobertaConfig, RobertaModel
    cfg = RobertaConfig(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=128, max_position_embeddings=64, type_vocab_size=1, pad_token_id=1,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, attn_implementation=attention)
    return RobertaModel(cfg, add_pooling_layer=False)


def roberta_inputs(rng: np.random.RandomState) -> Dict[str, np.ndarray]:
    """Token ids whose padding is the pad token (1): RoBERTa counts positions with a cumulative sum
    over the non-pad tokens, so the padded row gets position ids 2..12 and then 1 (padding_idx)."""
    feeds = token_inputs(rng)
    feeds["input_ids"][feeds["input_ids"] == 1] = 2
    feeds["input_ids"][feeds["attention_mask"] == 0] = 1
    return feeds


def build_distilbert(attention: str):
    from transformers import DistilBertConfig, DistilBertModel
    cfg = DistilBertConfig(vocab_size=VOCAB, dim=64, n_layers=2, n_heads=2, hidden_dim=128,
                           max_position_embeddings=64, dropout=0.0, attention_dropout=0.0,
                           attn_implementation=attention)
    return DistilBertModel(cfg)


def build_gpt2(attention: str):
    from transformers import GPT2Config, GPT2LMHeadModel
    cfg = GPT2Config(vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=2, n_positions=64, n_inner=128,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, use_cache=False, attn_implementation=attention)
    return GPT2LMHeadModel(cfg)


def build_whisper_encoder(attention: str):
    from transformers import WhisperConfig
    from transformers.models.whisper.modeling_whisper import WhisperEncoder
    cfg = WhisperConfig(num_mel_bins=16, d_model=64, encoder_layers=2, encoder_attention_heads=2,
                        encoder_ffn_dim=128, max_source_positions=32, dropout=0.0, attention_dropout=0.0,
                        activation_dropout=0.0, attn_implementation=attention)
    return WhisperEncoder(cfg)


SEQ_AXES = {0: "batch", 1: "sequence"}
HF_MODELS: Dict[str, HFModel] = {
    "bert": HFModel("BertModel: 2 layers, hidden 64, 2 heads, vocab 1000, seq 16, batch 2 (one row padded)",
                    build_bert, lambda r: token_inputs(r, token_types=True), ["last_hidden_state", "pooler_output"],
                    {"input_ids": SEQ_AXES, "attention_mask": SEQ_AXES, "token_type_ids": SEQ_AXES,
                     "last_hidden_state": SEQ_AXES, "pooler_output": {0: "batch"}}),
    "bert_eager": HFModel("bert with attn_implementation='eager' (matmul, additive float mask, softmax)",
                          build_bert, lambda r: token_inputs(r, token_types=True), ["last_hidden_state", "pooler_output"],
                          {"input_ids": SEQ_AXES, "attention_mask": SEQ_AXES, "token_type_ids": SEQ_AXES,
                           "last_hidden_state": SEQ_AXES, "pooler_output": {0: "batch"}}, attention="eager"),
    "roberta": HFModel("RobertaModel: as bert, position ids from a cumulative sum over non-pad tokens, no pooler",
                       build_roberta, roberta_inputs, ["last_hidden_state"],
                       {"input_ids": SEQ_AXES, "attention_mask": SEQ_AXES, "last_hidden_state": SEQ_AXES}),
    "distilbert": HFModel("DistilBertModel: 2 layers, dim 64, 2 heads, vocab 1000, seq 16, batch 2 (one row padded)",
                          build_distilbert, token_inputs, ["last_hidden_state"],
                          {"input_ids": SEQ_AXES, "attention_mask": SEQ_AXES, "last_hidden_state": SEQ_AXES}),
    "gpt2": HFModel("GPT2LMHeadModel: 2 layers, 64, 2 heads, vocab 1000, causal, no KV cache, batch 2 (one row padded)",
                    build_gpt2, token_inputs, ["logits"],
                    {"input_ids": SEQ_AXES, "attention_mask": SEQ_AXES, "logits": SEQ_AXES}),
    "gpt2_eager": HFModel("gpt2 with attn_implementation='eager'", build_gpt2, token_inputs, ["logits"],
                          {"input_ids": SEQ_AXES, "attention_mask": SEQ_AXES, "logits": SEQ_AXES}, attention="eager"),
    "whisper_encoder": HFModel("WhisperEncoder: 16 mel bins x 64 frames, 2 layers, d_model 64, 2 heads",
                               build_whisper_encoder,
                               lambda r: {"input_features": r.standard_normal((2, 16, 64)).astype(np.float32)},
                               ["last_hidden_state"],
                               {"input_features": {0: "batch"}, "last_hidden_state": {0: "batch"}}),
}


def rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-12))


def ort_run(path: str, feeds: Dict[str, np.ndarray]) -> List[np.ndarray]:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]).run(None, feeds)


def try_dynamo(module, args: Tuple, path: str) -> str:
    """Whether torch.onnx.export(dynamo=True) works here (reported in the manifest only)."""
    import torch
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, args, path, dynamo=True, external_data=False)
        return "ok"
    except Exception as e:  # noqa: BLE001 - recorded, not fatal
        return f"{type(e).__name__}: {str(e).splitlines()[0][:160]}" if str(e) else type(e).__name__
    finally:
        if os.path.exists(path):
            os.remove(path)


def export(name: str, out: str, opsets: List[int], seed: int) -> dict:
    import onnx
    import torch
    spec = HF_MODELS[name]
    torch.manual_seed(seed)
    model = spec.build(spec.attention).eval()
    feeds = spec.inputs(np.random.RandomState(seed))
    names = list(feeds)
    module = wrap(model, spec.outputs, names)
    args = tuple(torch.from_numpy(feeds[n]) for n in names)
    with torch.no_grad():
        eager = [t.numpy() for t in module(*args)]
    entry = {"description": spec.description, "seed": seed,
             "attention": getattr(model.config, "_attn_implementation", None),
             "parameters": int(sum(p.numel() for p in model.parameters())),
             "inputs": {n: {"shape": list(v.shape), "dtype": str(v.dtype)} for n, v in feeds.items()},
             "outputs": {n: {"shape": list(v.shape), "dtype": str(v.dtype)} for n, v in zip(spec.outputs, eager)}}
    np.savez(os.path.join(out, f"{name}.inputs.npz"), **feeds)
    np.savez(os.path.join(out, f"{name}.torch.npz"), **dict(zip(spec.outputs, eager)))
    worst = 0.0

    entry["onnx"] = {}
    for opset in opsets:
        path = os.path.join(out, f"{name}.opset{opset}.onnx")
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, args, path, dynamo=False, opset_version=opset, input_names=names,
                              output_names=spec.outputs, dynamic_axes=spec.dynamic, do_constant_folding=True)
        proto = onnx.load(path)
        onnx.checker.check_model(proto, full_check=True)
        ops = collections.Counter(n.op_type for n in proto.graph.node)
        ort_out = ort_run(path, feeds)
        np.savez(os.path.join(out, f"{name}.opset{opset}.ort.npz"), **dict(zip(spec.outputs, ort_out)))
        err = max(rel(o, e) for o, e in zip(ort_out, eager))
        worst = max(worst, err)
        entry["onnx"][str(opset)] = {"nodes": len(proto.graph.node), "ops": dict(sorted(ops.items())),
                                     "ort_vs_torch": err}

    def save(kind: str, ep) -> None:
        nonlocal worst
        path = os.path.join(out, f"{name}.{kind}")
        torch.export.save(ep, path)
        ops = collections.Counter(str(n.target) for n in ep.graph.nodes if n.op == "call_function")
        with torch.no_grad():
            reloaded = [t.numpy() for t in torch.export.load(path).module()(*args)]
        err = max(rel(o, e) for o, e in zip(reloaded, eager))
        worst = max(worst, err)
        entry[kind] = {"ops": dict(sorted(ops.items())), "reloaded_vs_torch": err}

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(module, args)
        save("pt2", ep)
        dims = {axis: torch.export.Dim(axis, min=1 if axis == "batch" else 2, max=8 if axis == "batch" else 64)
                for axes in spec.dynamic.values() for axis in axes.values()}
        shapes = {n: {i: dims[a] for i, a in spec.dynamic.get(n, {}).items()} for n in names}
        for kind, make in (("core.pt2", ep.run_decompositions),
                           ("dynamic.pt2", lambda: torch.export.export(module, args, dynamic_shapes=shapes))):
            stale = os.path.join(out, f"{name}.{kind}")
            if os.path.exists(stale):
                os.remove(stale)
            try:
                save(kind, make())
            except Exception as e:  # noqa: BLE001 - torch's own failure, recorded; check_models.py reports it
                entry[kind] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
    entry["onnx_dynamo"] = try_dynamo(module, args, os.path.join(out, f"{name}.dynamo.onnx"))
    entry["worst_rel"] = worst
    return entry


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("models", nargs="*", help="models (default: all)")
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--opsets", type=int, nargs="+", default=[14, 18])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        for n, s in HF_MODELS.items():
            print(f"{n:16s} {s.description}")
        return 0
    names = args.models or list(HF_MODELS)
    unknown = [n for n in names if n not in HF_MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {', '.join(HF_MODELS)}")
    import torch
    import transformers
    torch.set_num_threads(1)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, "manifest.json")
    manifest = {"models": {}}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    manifest.update({"torch": torch.__version__, "transformers": transformers.__version__})
    failed = []
    for name in names:
        e = export(name, out, args.opsets, args.seed)
        manifest["models"][name] = e
        ok = e["worst_rel"] <= 1e-4
        if not ok:
            failed.append(name)
        onnx_nodes = ", ".join(f"opset {k}: {v['nodes']} nodes" for k, v in e["onnx"].items())
        print(f"{name:16s} params {e['parameters']:8d}  onnx {onnx_nodes}"
              f"  pt2 {sum(e['pt2']['ops'].values())} calls" + "".join(
                  f", {k} {sum(e[k]['ops'].values())} calls" if "ops" in e[k] else f", {k} failed in torch"
                  for k in ("core.pt2", "dynamic.pt2")) + f"  worst rel {e['worst_rel']:.1e}"
              f"  dynamo=True: {e['onnx_dynamo']}{'' if ok else '  EXCEEDS 1e-4'}", flush=True)
        with open(manifest_path, "w") as fh:
            json.dump(manifest, fh, indent=2)
            fh.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
