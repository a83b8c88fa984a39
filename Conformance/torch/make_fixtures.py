#!/usr/bin/env python3
"""Makes the .pt2 fixtures of Tests/EdgeTorchTests/Fixtures/ with torch.export (fixed seeds).

Run with the oracle environment (torch 2.13.0+cpu):

    .venv/bin/python Conformance/torch/make_fixtures.py [--out DIR] [--only a,b]

Each model is exported with torch.export.export (the "training" IR: aten.conv2d,
aten.batch_norm, aten.linear, ...); the *_core variants are the same programs after
ep.run_decompositions() (core ATen: convolution, _native_batch_norm_legit_no_training with
getitem, addmm, view, ...). Beside each archive, <name>.inputs.pt holds a sample input and
the eager output, for the comparison script (Conformance/torch/compare.py).
"""
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EdgeTorchTests", "Fixtures")
ONLY = None


class CNN(nn.Module):
    """Conv + BatchNorm + ReLU/ReLU6 + pooling + linear head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = F.hardtanh(self.bn2(self.conv2(x)), 0.0, 6.0)
        x = F.avg_pool2d(x, 2, stride=1)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return torch.softmax(self.fc(x), dim=1)


class MLP(nn.Module):
    """Linear layers with the usual activations; dynamic batch."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 32)
        self.fc3 = nn.Linear(32, 10)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        h = self.drop(F.gelu(self.fc1(x)))
        h = F.silu(self.fc2(h))
        h = F.hardswish(h) + torch.sigmoid(h) * torch.tanh(h)
        return F.log_softmax(self.fc3(h), dim=-1)


class Encoder(nn.Module):
    """A pre-norm transformer encoder block over token ids; dynamic sequence length."""

    def __init__(self, vocab=20, d=16, heads=2):
        super().__init__()
        self.heads = heads
        self.emb = nn.Embedding(vocab, d)
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.ff1 = nn.Linear(d, 2 * d)
        self.ff2 = nn.Linear(2 * d, d)

    def forward(self, ids):
        x = self.emb(ids)
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q = q.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        a = F.scaled_dot_product_attention(q, k, v)
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, d))
        x = x + self.ff2(F.gelu(self.ff1(self.ln2(x))))
        return x.mean(dim=1)


class Buffers(nn.Module):
    """Buffers (persistent and not), tensor constants, shared storage, a strided parameter."""

    def __init__(self):
        super().__init__()
        base = torch.arange(12, dtype=torch.float32) / 10
        self.register_buffer("table", base.view(3, 4))
        # A view into the same storage as `table`, at a storage offset.
        self.register_buffer("row", base[4:8], persistent=False)
        # Transposed (non-contiguous) parameter: strides (1, 3).
        self.w = nn.Parameter(torch.randn(3, 4).t())
        self.scale = torch.tensor([2.0, 0.5, 1.0, -1.0])  # a lifted tensor constant

    def forward(self, x):
        y = torch.mm(x, self.w)               # [2,4] x [4,3] -> [2,3]
        y = torch.matmul(y, self.table)        # [2,3] x [3,4] -> [2,4]
        y = (y * self.scale + self.row - 1.5) / 2.0
        z = torch.cat([y, y.permute(1, 0).contiguous().view(2, 4)], dim=1)
        z = torch.bmm(z.unsqueeze(0), z.t().clone().unsqueeze(0))  # [1,2,2]
        return z.mean(dim=-1, keepdim=True).flatten(), z.sub(1).mul(3)


class InPlace(nn.Module):
    """In-place activations and updates as the training IR keeps them (relu_, add_, hardtanh_)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.relu = nn.ReLU(inplace=True)
        self.relu6 = nn.ReLU6(inplace=True)

    def forward(self, x):
        y = self.conv(x)
        z = self.relu(y)  # z and y are the same tensor from here on
        z.add_(1.0)
        return self.relu6(z) + y, x.new_zeros(2).unsqueeze(0).expand(3, 2)


class InPlaceView(nn.Module):
    """An in-place update through a view, which edgec rejects (it is not functionalized)."""

    def forward(self, x):
        y = x * 2
        v = y.view(-1)
        v.add_(1.0)
        return y


class Unsupported(nn.Module):
    """Uses ATen ops edgec does not import, to test the all-at-once error."""

    def forward(self, x):
        a = torch.cumprod(x, dim=1)
        b = torch.sort(x, dim=1).values
        return torch.relu(a + b + torch.flip(x, dims=[1]))


class Masking(nn.Module):
    """Hugging Face style masking: scalar comparisons, device/dtype moves (torch.export leaves
    aten.to.* and aten._assert_tensor_metadata), masked_fill, where and logical ops."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 8)

    def forward(self, ids, attention_mask):
        keep = attention_mask.to(device=ids.device, dtype=torch.bool)
        real = (ids >= 1) & keep
        pad = torch.logical_not(real) | (ids == 9)
        h = self.emb(ids).to(torch.float32)
        h = h.masked_fill(pad.unsqueeze(-1), 0.0)
        big = torch.where(h > 0.5, h, torch.zeros_like(h)) + (h <= -0.5).to(h.dtype)
        scores = big @ big.transpose(1, 2)
        scores = scores.masked_fill((attention_mask == 0).unsqueeze(1), -1e4)
        return torch.softmax(scores, dim=-1) * (ids != 0).to(torch.float32).unsqueeze(-1) - (ids < 3).float().unsqueeze(-1)


class Streaming(nn.Module):
    """A streaming recurrent model: state in, state out. A 2-layer bidirectional LSTM
    (batch_first) feeds a GRU and a ReLU RNN; one chunk of frames per call."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, num_layers=2, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(16, 5)
        self.rnn = nn.RNN(5, 4, nonlinearity="relu", bias=False)

    def forward(self, frames, h, c, g):
        y, (h2, c2) = self.lstm(frames, (h, c))
        z, g2 = self.gru(y.transpose(0, 1), g)
        w, _ = self.rnn(z)
        return w, h2, c2, g2


class HFIndexing(nn.Module):
    """What Hugging Face transformers exports beyond plain layers: mask[batch, kv] lookups
    (aten.index.Tensor, adjacent and not, negative indices), RoBERTa's cumulative-sum position
    ids (cumsum, type_as), torch.where with Python numbers, any(), a conv1d stem (Whisper), and
    arange over the (dynamic) sequence length."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 4, 3, padding=1)
        self.pos = nn.Embedding(40, 4)

    def forward(self, ids, attention_mask):
        b, s = ids.shape
        keep = attention_mask.to(torch.bool)
        # mask[batch_idx, kv_idx] with broadcast index tensors (adjacent dims).
        looked = keep[torch.arange(b)[:, None, None], torch.arange(s)[None, None, :]]        # [b,1,s]
        # RoBERTa: positions count the non-pad tokens, pad positions get padding_idx 1.
        real = ids.ne(1).int()
        positions = (torch.cumsum(real, dim=1).type_as(real) * real).long() + 1              # [b,s]
        h = self.pos(positions)                                                              # [b,s,4]
        h = h + self.conv(h.transpose(1, 2)).transpose(1, 2)
        # where with a Python number on either side, any() over a dim.
        h = torch.where(looked.transpose(1, 2), h, 0.0) + torch.where(h > 0.2, 1.0, h)
        rows = (h > 1.0).any(dim=-1, keepdim=True).to(h.dtype)
        # Non-adjacent index tensors (the broadcast dims go first) and negative indices.
        picked = h[torch.tensor([0, -1]), :, torch.tensor([-1, 1])]                          # [2,s]
        steps = torch.arange(s, dtype=torch.float32)                                         # arange(seq)
        return h * rows + steps[None, :, None], picked


class CondGate(nn.Module):
    """torch.cond on the data (a run-time If: edge.if, JumpFalseCall) with a second cond nested
    in the true branch; the branches read a weight and return their own values."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.out = nn.Linear(6, 3)

    def forward(self, x):
        def positive(h):
            return torch.tanh(h)

        def negative(h):
            return h * 2.0

        def loud(x):
            return torch.cond(x.sum() > 0, positive, negative, (self.fc(x),))

        def quiet(x):
            return torch.sigmoid(x) - 0.5

        return self.out(torch.cond((x * x).mean() > 1.0, loud, quiet, (x,)))


class WhileSettle(nn.Module):
    """torch.while_loop (a loop in the plan: edge.loop) with a run-time bound `n` and a stop
    condition on the data: the state settles or the count reaches n. The body reads a weight
    and an outer input (additional inputs) and carries the count and two states."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 4) * 0.5)

    def forward(self, x, n):
        from torch._higher_order_ops.while_loop import while_loop

        def cond(i, h, previous):
            return (i < n) & ((h - previous).abs().mean() > 1e-3)

        def body(i, h, previous):
            return i + 1, torch.tanh(h @ self.w) * 0.5 + x, h.clone()

        i, h, previous = while_loop(cond, body, (torch.zeros((), dtype=torch.int64), x, torch.zeros_like(x)))
        return h, previous, i


def export(name, model, args, dynamic_shapes=None, core=False):
    if ONLY is not None and name not in ONLY:
        return
    torch.manual_seed(0)
    model = model.eval()
    ep = torch.export.export(model, args, dynamic_shapes=dynamic_shapes)
    if core:
        ep = ep.run_decompositions()
    path = os.path.join(OUT, name + ".pt2")
    torch.export.save(ep, path)
    with torch.no_grad():
        out = model(*args)
    torch.save({"args": args, "out": out}, os.path.join(OUT, name + ".inputs.pt"))
    if name.startswith("hf_"):   # plain numbers for the Swift tests, which cannot read torch.save's pickle
        import json  # here, not at the top: the fixtures' stack traces record this file's line numbers
        outs = out if isinstance(out, tuple) else (out,)
        with open(os.path.join(OUT, name + ".expected.json"), "w") as f:
            json.dump({"args": [{"shape": list(a.shape), "values": a.flatten().tolist()} for a in args],
                       "out": [{"shape": list(o.shape), "values": [round(v, 7) for v in o.flatten().tolist()]} for o in outs]}, f)
            f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    global OUT, ONLY
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--only", help="comma-separated fixture names to (re)make")
    opts = ap.parse_args()
    OUT = opts.out
    ONLY = set(opts.only.split(",")) if opts.only else None
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    cnn = CNN()
    with torch.no_grad():  # non-trivial running statistics
        for bn in (cnn.bn1, cnn.bn2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 1.5)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    image = (torch.randn(1, 3, 8, 8),)
    export("cnn_bn", cnn, image)
    export("cnn_bn_core", cnn, image, core=True)

    torch.manual_seed(1)
    batch = torch.export.Dim("batch", min=1, max=64)
    export("mlp", MLP(), (torch.randn(4, 16),), dynamic_shapes={"x": {0: batch}})

    torch.manual_seed(2)
    seq = torch.export.Dim("seq", min=2, max=32)
    export("encoder", Encoder(), (torch.randint(0, 20, (1, 6)),), dynamic_shapes={"ids": {1: seq}})

    torch.manual_seed(3)
    export("buffers", Buffers(), (torch.randn(2, 4),))

    torch.manual_seed(4)
    export("unsupported", Unsupported(), (torch.randn(2, 5),))

    torch.manual_seed(5)
    export("inplace", InPlace(), (torch.randn(1, 3, 8, 8),))
    export("inplace_view", InPlaceView(), (torch.randn(2, 3),))

    torch.manual_seed(6)
    ids = torch.tensor([[0, 3, 9, 1, 5, 2], [4, 4, 0, 7, 8, 1]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
    export("masking", Masking(), (ids, mask))

    torch.manual_seed(7)
    chunk = (torch.randn(2, 5, 6), torch.randn(4, 2, 8), torch.randn(4, 2, 8), torch.randn(1, 2, 5))
    export("streaming_rnn", Streaming(), chunk)
    # The core IR spells every step out (the archive grows with steps × layers), so a short chunk.
    short = (torch.randn(2, 2, 6), torch.randn(4, 2, 8), torch.randn(4, 2, 8), torch.randn(1, 2, 5))
    export("streaming_rnn_core", Streaming(), short, core=True)
    ids = torch.tensor([[0, 3, 9, 4, 1, 1], [4, 4, 5, 7, 8, 2]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
    seq = torch.export.Dim("seq", min=2, max=32)
    export("hf_indexing", HFIndexing(), (ids, mask), dynamic_shapes={"ids": {1: seq}, "attention_mask": {1: seq}})
    export("hf_indexing_core", HFIndexing(), (ids, mask), core=True)

    # One fixture per path through the two conds (the same weights: the seed is reset).
    r = torch.randn(2, 6)
    for name, x in [("cond_loud_positive", 3 * r.abs()), ("cond_loud_negative", -3 * r.abs()), ("cond_quiet", 0.1 * r)]:
        torch.manual_seed(8)
        export(name, CondGate(), (x,))

    # One fixture stopped by the bound n, one by the condition on the data.
    torch.manual_seed(9)
    x = torch.randn(1, 4)
    for name, n in [("while_bound", 3), ("while_settle", 1000)]:
        torch.manual_seed(10)
        export(name, WhileSettle(), (x, torch.tensor(n)))


if __name__ == "__main__":
    main()
