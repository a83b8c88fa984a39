"""Eager PyTorch definitions of the op-coverage programs in Conformance/interop/*.eir.

interop_check.py compiles each program with edgec, runs the .pte in ExecuTorch 1.5.1's runtime
and in edgec's interpreter, and compares both with these models (same inputs, same output order).
"""
import torch

F = torch.nn.functional


class Activations(torch.nn.Module):
    def forward(self, x):
        pos = x.abs() + 0.5
        return (torch.sigmoid(x), torch.tanh(x), F.hardswish(x), F.hardsigmoid(x), F.gelu(x), F.gelu(x, approximate="tanh"),
                F.leaky_relu(x, 0.1), F.elu(x, 0.5), torch.exp(x), torch.erf(x), torch.sin(x), torch.cos(x),
                torch.floor(x * 3), torch.ceil(x * 3), -x, x.abs(), torch.log(pos), torch.sqrt(pos), torch.rsqrt(pos),
                torch.reciprocal(pos), x.unsqueeze(0), F.silu(x))


class CompareSelect(torch.nn.Module):
    def forward(self, x, y):
        gt, lt, le, ge = x > y, x < y, x <= y, x >= y
        eq = torch.floor(x) == torch.floor(y)
        i = (x * 10).to(torch.int32)
        return (gt, lt, le, ge, eq, gt & eq, lt | eq, gt ^ eq, ~gt, torch.where(gt, x, y), torch.maximum(x, y),
                torch.minimum(x, y), torch.pow(x.abs() + 0.5, y), i, gt.float(), i.long().sum(2), x.sum(1, keepdim=True),
                i.amax(0), x.amax((0, 1)), x.amin(-2), x.argmax(1), x.argmin(-2, keepdim=True), torch.full((2, 3, 4), 0.25) + x,
                x.sum(), torch.full((3,), 7, dtype=torch.int64), torch.floor(x).bool(), -i, i.abs(),
                torch.full((2,), True), F.gelu(x.double()))


class ShapesNorms(torch.nn.Module):
    def forward(self, x, t):
        p0, p1 = torch.split(x, [1, 3], 1)
        return (x[:, :, 1:-1:2], x[..., ::2], p0, p1, torch.index_select(x, 2, torch.tensor([3, 0, 0, 2, 1])), x.unsqueeze(0),
                x.repeat(1, 1, 2, 1), x.unsqueeze(-1).expand(2, 4, 5, 6, 3), F.pad(x, (1, 2, 0, 2), value=1.5),
                F.pad(x, (-1, -1, 1, -3)), F.pad(x, (2, 2, 1, 3), mode="reflect"), F.pad(x, (0, 2, 4, 0), mode="replicate"),
                F.layer_norm(t, [16], torch.full((16,), 1.5), torch.full((16,), 0.25)), F.layer_norm(x, [5, 6], eps=1e-3),
                F.group_norm(x, 2, torch.tensor([1.0, 2.0, 0.5, -1.0]), torch.tensor([0.0, 0.1, 0.2, 0.3])),
                F.conv_transpose2d(x, torch.full((4, 3, 3, 3), 0.125), torch.tensor([0.5, -0.5, 0.0]), stride=2, padding=(1, 0),
                                   output_padding=(1, 0)),
                F.interpolate(x, size=(10, 12), mode="nearest"), F.interpolate(x, size=(7, 9), mode="nearest"),
                F.interpolate(x, size=(10, 11), mode="bilinear", align_corners=False),
                F.pad(t, (3, 2), mode="reflect")[:, :, 2:14], x[1:2].squeeze(0).unsqueeze(1)[:, :, 4:5].squeeze(2),
                F.interpolate(x, size=(3, 13), mode="bilinear", align_corners=True),
                F.pad(x.unsqueeze(0), (1, 1, 0, 2, 1, 0), mode="replicate").squeeze(0), F.pad(x, (1, 2, 0, 0), mode="replicate"),
                F.embedding(torch.tensor([[6, 0, 3], [6, 2, 2]]), t[0]), F.log_softmax(t, -1))


# (program path, edgec flags, input shapes, eager model)
PROGRAMS = [
    ("Conformance/interop/activations.eir", [], [(2, 3, 4, 5)], Activations()),
    ("Conformance/interop/compare_select.eir", [], [(2, 3, 4), (3, 1)], CompareSelect()),
    ("Conformance/interop/shapes_norms.eir", [], [(2, 4, 5, 6), (2, 7, 16)], ShapesNorms()),
]
