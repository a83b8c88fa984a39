#!/usr/bin/env python3
"""Exports PyTorch models with random weights to ONNX for edgec's import checks (not committed).

    /path/to/python Scripts/make-torch-models.py OUT_DIR [names...]

Models: resnet18, resnet50, mobilenet_v2, transformer (a 2-layer encoder). The architectures
are written out here (no torchvision needed). Uses the TorchScript exporter (dynamo=False),
opset 17; the batch dim is exported as the symbolic dim "batch".
"""
import pathlib
import sys

import torch
from torch import nn


class Basic(nn.Module):
    expansion = 1

    def __init__(self, cin, c, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False); self.b1 = nn.BatchNorm2d(c)
        self.c2 = nn.Conv2d(c, c, 3, 1, 1, bias=False); self.b2 = nn.BatchNorm2d(c)
        self.down = None
        if stride != 1 or cin != c:
            self.down = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, c, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, c, 1, bias=False); self.b1 = nn.BatchNorm2d(c)
        self.c2 = nn.Conv2d(c, c, 3, stride, 1, bias=False); self.b2 = nn.BatchNorm2d(c)
        self.c3 = nn.Conv2d(c, c * 4, 1, bias=False); self.b3 = nn.BatchNorm2d(c * 4)
        self.down = None
        if stride != 1 or cin != c * 4:
            self.down = nn.Sequential(nn.Conv2d(cin, c * 4, 1, stride, bias=False), nn.BatchNorm2d(c * 4))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = torch.relu(self.b2(self.c2(y)))
        y = self.b3(self.c3(y))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class ResNet(nn.Module):
    def __init__(self, block, layers):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for i, n in enumerate(layers):
            c = 64 * 2 ** i
            for j in range(n):
                blocks.append(block(cin, c, 2 if j == 0 and i > 0 else 1))
                cin = c * block.expansion
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, 1000)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class Inverted(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        h = cin * t
        layers = [] if t == 1 else [nn.Conv2d(cin, h, 1, bias=False), nn.BatchNorm2d(h), nn.ReLU6()]
        layers += [nn.Conv2d(h, h, 3, stride, 1, groups=h, bias=False), nn.BatchNorm2d(h), nn.ReLU6(),
                   nn.Conv2d(h, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)
        self.res = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.res else self.body(x)


class MobileNetV2(nn.Module):
    def __init__(self):
        super().__init__()
        cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
        layers, cin = [nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU6()], 32
        for t, c, n, s in cfg:
            for i in range(n):
                layers.append(Inverted(cin, c, s if i == 0 else 1, t)); cin = c
        layers += [nn.Conv2d(cin, 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU6()]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 1000))

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


class Encoder(nn.Module):
    def __init__(self, vocab=1000, d=128, heads=4, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(1, 64, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 2)

    def forward(self, ids):
        x = self.embed(ids) + self.pos[:, : ids.shape[1]]
        return self.head(self.norm(self.encoder(x)).mean(dim=1))


def export(name, out):
    torch.manual_seed(0)
    if name == "transformer":
        model, example, input_name = Encoder().eval(), torch.randint(0, 1000, (1, 16)), "ids"
        dyn = {"ids": {0: "batch"}, "logits": {0: "batch"}}
    else:
        model = {"resnet18": lambda: ResNet(Basic, [2, 2, 2, 2]), "resnet50": lambda: ResNet(Bottleneck, [3, 4, 6, 3]),
                 "mobilenet_v2": MobileNetV2}[name]().eval()
        example, input_name = torch.randn(1, 3, 224, 224), "input"
        dyn = {"input": {0: "batch"}, "logits": {0: "batch"}}
    path = pathlib.Path(out) / f"{name}.onnx"
    # Grad stays enabled: under no_grad, nn.TransformerEncoderLayer takes a fused fast path
    # that the TorchScript exporter cannot export.
    if True:
        torch.onnx.export(model, (example,), str(path), input_names=[input_name], output_names=["logits"],
                          dynamic_axes=dyn, opset_version=17, dynamo=False)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    out = sys.argv[1]
    for n in sys.argv[2:] or ["resnet18", "mobilenet_v2", "transformer", "resnet50"]:
        export(n, out)
