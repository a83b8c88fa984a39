"""Model zoo for edgec's conformance suite, importers and benchmarks.

Plain-PyTorch definitions of published architectures (written from the papers, not taken from
torchvision, whose compiled extension does not load with the pinned torch), with
deterministic random weights. Every builder returns a module in eval mode whose weights
depend only on the seed:

    import architectures as A
    model = A.build("resnet18")              # seed 0
    x = A.example_input("resnet18")          # fixed-seed input, shape/dtype from the registry
    y = model(x)

Registry (``MODELS``): name -> ``ModelSpec`` (builder, input shape, input dtype, description).

| name | input | output | notes |
| --- | --- | --- | --- |
| mobilenet_v2 | f32[1,3,224,224] | f32[1,1000] | inverted residuals, ReLU6 |
| mobilenet_v3_small | f32[1,3,224,224] | f32[1,1000] | hardswish, SE with hardsigmoid |
| resnet18 | f32[1,3,224,224] | f32[1,1000] | basic blocks |
| resnet50 | f32[1,3,224,224] | f32[1,1000] | bottlenecks (stride on the 3x3, "v1.5") |
| efficientnet_b0 | f32[1,3,224,224] | f32[1,1000] | MBConv, SiLU, SE with sigmoid |
| squeezenet1_1 | f32[1,3,224,224] | f32[1,1000] | fire modules, ceil-mode max pools, no BN |
| shufflenet_v2_x1_0 | f32[1,3,224,224] | f32[1,1000] | channel split + shuffle |
| vit_tiny | f32[1,3,224,224] | f32[1,1000] | patch 16, dim 192, 4 layers, 3 heads, pre-norm |
| bert_mini | i64[1,32] token ids | f32[1,32,128] | 4 layers, hidden 128, 2 heads, post-norm, GELU |
| bert_mini_embeds | f32[1,32,128] word embeddings | f32[1,32,128] | bert_mini without the token lookup |
| tiny_cnn | f32[1,3,32,32] | f32[1,10] | conv-bn-relu-pool x3 + linear, ~60 KB of weights |

Weight initialisation (``init_weights``) aims at non-degenerate activations rather than at
any trained behaviour: convolutions and linears get variance-preserving normal weights and
small random biases, batch-norm affine parameters are random around (1, 0), and batch-norm
running statistics are *calibrated*: one forward pass over a fixed-seed random batch with
only the BN layers in training mode (cumulative averages), so that in eval mode every BN
layer sees inputs close to the statistics it stores. That keeps deep residual networks
(resnet50) from exploding or collapsing with random weights. The calibration is
deterministic for a given machine and thread count; ``tiny_cnn`` (the README example, which
must be byte-identical everywhere) uses random running statistics instead and no
calibration.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn
import torch.nn.functional as F

__all__ = [
    "MODELS", "ModelSpec", "build", "example_input", "init_weights", "calibrate_batchnorm",
    "mobilenet_v2", "mobilenet_v3_small", "resnet18", "resnet50", "efficientnet_b0",
    "squeezenet1_1", "shufflenet_v2_x1_0", "vit_tiny", "bert_mini", "bert_mini_embeds", "tiny_cnn",
]


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------

def make_divisible(value: float, divisor: int = 8, min_value: Optional[int] = None) -> int:
    """Round a channel count to a multiple of ``divisor`` without dropping more than 10%
    (the rule of the MobileNet papers' reference code)."""
    min_value = min_value or divisor
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


class ConvBNAct(nn.Sequential):
    """Conv2d (no bias) -> BatchNorm2d -> optional activation, 'same' padding for odd kernels."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, groups: int = 1,
                 act: Optional[Callable[[], nn.Module]] = nn.ReLU, bn_eps: float = 1e-5):
        layers: List[nn.Module] = [
            nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout, eps=bn_eps),
        ]
        if act is not None:
            layers.append(act())
        super().__init__(*layers)


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation (Hu et al. 2018): global average pool -> 1x1 conv -> act ->
    1x1 conv -> gate -> channel-wise scale of the input."""

    def __init__(self, channels: int, squeeze: int, act: Callable[[], nn.Module] = nn.ReLU,
                 gate: Callable[[], nn.Module] = nn.Sigmoid):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.act = act()
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.gate = gate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = F.adaptive_avg_pool2d(x, 1)
        s = self.gate(self.fc2(self.act(self.fc1(s))))
        return x * s


# ----------------------------------------------------------------------------------------------
# MobileNetV2 (Sandler et al. 2018)
# ----------------------------------------------------------------------------------------------

class InvertedResidualV2(nn.Module):
    """1x1 expand (ReLU6) -> 3x3 depthwise (ReLU6) -> 1x1 linear projection, residual when
    the stride is 1 and the channel counts match."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int):
        super().__init__()
        hidden = cin * expand
        self.use_residual = stride == 1 and cin == cout
        layers: List[nn.Module] = []
        if expand != 1:
            layers.append(ConvBNAct(cin, hidden, 1, act=nn.ReLU6))
        layers += [
            ConvBNAct(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return x + y if self.use_residual else y


class MobileNetV2(nn.Module):
    # (expansion t, output channels c, repeats n, first stride s), width multiplier 1.0
    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        cin = 32
        layers: List[nn.Module] = [ConvBNAct(3, cin, 3, 2, act=nn.ReLU6)]
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidualV2(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(ConvBNAct(cin, 1280, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(x)


# ----------------------------------------------------------------------------------------------
# MobileNetV3-Small (Howard et al. 2019)
# ----------------------------------------------------------------------------------------------

class InvertedResidualV3(nn.Module):
    """MobileNetV3 bneck: optional 1x1 expand -> kxk depthwise -> optional SE (hardsigmoid
    gate, squeeze = expanded/4 rounded to 8) -> 1x1 linear projection."""

    def __init__(self, cin: int, kernel: int, expanded: int, cout: int, use_se: bool,
                 act: Callable[[], nn.Module], stride: int):
        super().__init__()
        self.use_residual = stride == 1 and cin == cout
        layers: List[nn.Module] = []
        if expanded != cin:
            layers.append(ConvBNAct(cin, expanded, 1, act=act, bn_eps=1e-3))
        layers.append(ConvBNAct(expanded, expanded, kernel, stride, groups=expanded, act=act, bn_eps=1e-3))
        if use_se:
            layers.append(SqueezeExcitation(expanded, make_divisible(expanded // 4), nn.ReLU, nn.Hardsigmoid))
        layers.append(ConvBNAct(expanded, cout, 1, act=None, bn_eps=1e-3))
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.use_residual else y


class MobileNetV3Small(nn.Module):
    # (kernel, expanded channels, output channels, SE, activation, stride) from Table 2
    SETTINGS = [
        (3, 16, 16, True, "RE", 2),
        (3, 72, 24, False, "RE", 2),
        (3, 88, 24, False, "RE", 1),
        (5, 96, 40, True, "HS", 2),
        (5, 240, 40, True, "HS", 1),
        (5, 240, 40, True, "HS", 1),
        (5, 120, 48, True, "HS", 1),
        (5, 144, 48, True, "HS", 1),
        (5, 288, 96, True, "HS", 2),
        (5, 576, 96, True, "HS", 1),
        (5, 576, 96, True, "HS", 1),
    ]

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        acts = {"RE": nn.ReLU, "HS": nn.Hardswish}
        layers: List[nn.Module] = [ConvBNAct(3, 16, 3, 2, act=nn.Hardswish, bn_eps=1e-3)]
        cin = 16
        for k, exp, cout, se, nl, s in self.SETTINGS:
            layers.append(InvertedResidualV3(cin, k, exp, cout, se, acts[nl], s))
            cin = cout
        layers.append(ConvBNAct(cin, 576, 1, act=nn.Hardswish, bn_eps=1e-3))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Linear(576, 1024), nn.Hardswish(), nn.Dropout(0.2),
                                        nn.Linear(1024, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(x)


# ----------------------------------------------------------------------------------------------
# ResNet (He et al. 2016)
# ----------------------------------------------------------------------------------------------

class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, width: int, stride: int):
        super().__init__()
        cout = width * self.expansion
        self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + identity)


class Bottleneck(nn.Module):
    """1x1 reduce -> 3x3 (carries the stride) -> 1x1 expand x4."""
    expansion = 4

    def __init__(self, cin: int, width: int, stride: int):
        super().__init__()
        cout = width * self.expansion
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + identity)


class ResNet(nn.Module):
    def __init__(self, block, layers: Sequence[int], num_classes: int = 1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = 64
        stages = []
        for i, (width, n) in enumerate(zip((64, 128, 256, 512), layers)):
            blocks = []
            for j in range(n):
                blocks.append(block(cin, width, 2 if (j == 0 and i > 0) else 1))
                cin = width * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


# ----------------------------------------------------------------------------------------------
# EfficientNet-B0 (Tan & Le 2019)
# ----------------------------------------------------------------------------------------------

class MBConv(nn.Module):
    """1x1 expand (SiLU, skipped for ratio 1) -> kxk depthwise (SiLU) -> SE (squeeze =
    block input channels / 4, SiLU, sigmoid) -> 1x1 projection; residual (stochastic depth
    is the identity at inference) when stride 1 and channels match."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int):
        super().__init__()
        hidden = cin * expand
        self.use_residual = stride == 1 and cin == cout
        layers: List[nn.Module] = []
        if expand != 1:
            layers.append(ConvBNAct(cin, hidden, 1, act=nn.SiLU, bn_eps=1e-3))
        layers += [
            ConvBNAct(hidden, hidden, kernel, stride, groups=hidden, act=nn.SiLU, bn_eps=1e-3),
            SqueezeExcitation(hidden, max(1, cin // 4), nn.SiLU, nn.Sigmoid),
            ConvBNAct(hidden, cout, 1, act=None, bn_eps=1e-3),
        ]
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.use_residual else y


class EfficientNetB0(nn.Module):
    # (expand ratio, kernel, first stride, input channels, output channels, repeats), Table 1
    SETTINGS = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
                (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        layers: List[nn.Module] = [ConvBNAct(3, 32, 3, 2, act=nn.SiLU, bn_eps=1e-3)]
        for e, k, s, cin, cout, n in self.SETTINGS:
            stage = [MBConv(cin if i == 0 else cout, cout, k, s if i == 0 else 1, e) for i in range(n)]
            layers.append(nn.Sequential(*stage))
        layers.append(ConvBNAct(320, 1280, 1, act=nn.SiLU, bn_eps=1e-3))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(x)


# ----------------------------------------------------------------------------------------------
# SqueezeNet 1.1 (Iandola et al. 2016; v1.1 from the reference repository)
# ----------------------------------------------------------------------------------------------

class Fire(nn.Module):
    """1x1 squeeze (ReLU) -> parallel 1x1 and 3x3 expands (ReLU) -> channel concat."""

    def __init__(self, cin: int, squeeze: int, expand1x1: int, expand3x3: int):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand1x1(x)), F.relu(self.expand3x3(x))], 1)


class SqueezeNet11(nn.Module):
    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(64, 16, 64, 64), Fire(128, 16, 64, 64),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(128, 32, 128, 128), Fire(256, 32, 128, 128),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(256, 48, 192, 192), Fire(384, 48, 192, 192),
            Fire(384, 64, 256, 256), Fire(512, 64, 256, 256),
        )
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(512, num_classes, 1), nn.ReLU(inplace=True),
                                        nn.AdaptiveAvgPool2d(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x)).flatten(1)


# ----------------------------------------------------------------------------------------------
# ShuffleNetV2 1.0x (Ma et al. 2018)
# ----------------------------------------------------------------------------------------------

def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    n, c, h, w = x.shape
    x = x.reshape(n, groups, c // groups, h, w).transpose(1, 2)
    return x.reshape(n, c, h, w)


class ShuffleUnit(nn.Module):
    """Stride 1: split channels in half, transform one half (1x1 -> 3x3 dw -> 1x1), concat,
    shuffle. Stride 2: both branches see the whole input (left: 3x3 dw -> 1x1), channels
    double, concat, shuffle."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.stride = stride
        branch = cout // 2
        if stride > 1:
            self.branch1 = nn.Sequential(
                ConvBNAct(cin, cin, 3, stride, groups=cin, act=None),
                ConvBNAct(cin, branch, 1),
            )
        else:
            self.branch1 = None
        b2_in = cin if stride > 1 else branch
        self.branch2 = nn.Sequential(
            ConvBNAct(b2_in, branch, 1),
            ConvBNAct(branch, branch, 3, stride, groups=branch, act=None),
            ConvBNAct(branch, branch, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.branch1 is None:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat([x1, self.branch2(x2)], 1)
        else:
            out = torch.cat([self.branch1(x), self.branch2(x)], 1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    def __init__(self, repeats=(4, 8, 4), channels=(24, 116, 232, 464, 1024), num_classes: int = 1000):
        super().__init__()
        self.conv1 = ConvBNAct(3, channels[0], 3, 2)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = channels[0]
        stages = []
        for n, cout in zip(repeats, channels[1:4]):
            stages.append(nn.Sequential(*[ShuffleUnit(cin if i == 0 else cout, cout, 2 if i == 0 else 1) for i in range(n)]))
            cin = cout
        self.stage2, self.stage3, self.stage4 = stages
        self.conv5 = ConvBNAct(cin, channels[4], 1)
        self.fc = nn.Linear(channels[4], num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
        return self.fc(x.mean([2, 3]))


# ----------------------------------------------------------------------------------------------
# Transformers: a small ViT (Dosovitskiy et al. 2021) and a small BERT (Devlin et al. 2019)
# ----------------------------------------------------------------------------------------------

class SelfAttention(nn.Module):
    """Multi-head self-attention written out (Q/K/V linears, matmul, softmax, matmul) so the
    exported graphs show the plain ops rather than a fused attention kernel."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        assert dim % heads == 0
        self.heads, self.head_dim = heads, dim // heads
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        def split(y):  # [b, t, d] -> [b, heads, t, head_dim]
            return y.reshape(b, t, self.heads, self.head_dim).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.out(ctx.transpose(1, 2).reshape(b, t, d))


class MLP(nn.Sequential):
    def __init__(self, dim: int, hidden: int):
        super().__init__(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))


class PreNormBlock(nn.Module):
    """ViT encoder block: x + attn(LN(x)); x + mlp(LN(x))."""

    def __init__(self, dim: int, heads: int, mlp: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = SelfAttention(dim, heads)
        self.ln2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = MLP(dim, mlp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class ViT(nn.Module):
    """Patch embedding (conv k=s=patch) + class token + learned positions -> pre-norm
    encoder -> final LayerNorm -> linear head on the class token."""

    def __init__(self, image: int = 224, patch: int = 16, dim: int = 192, depth: int = 4, heads: int = 3,
                 mlp: int = 768, num_classes: int = 1000):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        tokens = (image // patch) ** 2 + 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens, dim))
        self.blocks = nn.Sequential(*[PreNormBlock(dim, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x).flatten(2).transpose(1, 2)          # [b, patches, dim]
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


class PostNormBlock(nn.Module):
    """BERT encoder layer: LN(x + attn(x)); LN(x + ffn(x)), exact (erf) GELU."""

    def __init__(self, dim: int, heads: int, ffn: int):
        super().__init__()
        self.attn = SelfAttention(dim, heads)
        self.ln1 = nn.LayerNorm(dim, eps=1e-12)
        self.ffn = MLP(dim, ffn)
        self.ln2 = nn.LayerNorm(dim, eps=1e-12)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.ln1(x + self.attn(x))
        return self.ln2(x + self.ffn(x))


class BertEncoder(nn.Module):
    """Embeddings (word + position + token type 0) -> LayerNorm -> post-norm layers; returns
    the last hidden state. ``takes_embeddings=True`` makes the input the word embeddings
    themselves (float [1, seq, hidden]) instead of token ids, skipping the lookup."""

    def __init__(self, vocab: int = 30522, seq: int = 32, max_positions: int = 512, hidden: int = 128,
                 layers: int = 4, heads: int = 2, ffn: int = 512, takes_embeddings: bool = False):
        super().__init__()
        self.takes_embeddings = takes_embeddings
        self.word_embeddings = None if takes_embeddings else nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(max_positions, hidden)
        self.token_type_embeddings = nn.Embedding(2, hidden)
        self.register_buffer("position_ids", torch.arange(seq).unsqueeze(0), persistent=False)
        self.register_buffer("token_type_ids", torch.zeros(1, seq, dtype=torch.long), persistent=False)
        self.ln = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.Sequential(*[PostNormBlock(hidden, heads, ffn) for _ in range(layers)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        words = x if self.takes_embeddings else self.word_embeddings(x)
        h = words + self.position_embeddings(self.position_ids) + self.token_type_embeddings(self.token_type_ids)
        return self.layers(self.ln(h))


# ----------------------------------------------------------------------------------------------
# Tiny CNN (README example)
# ----------------------------------------------------------------------------------------------

class TinyCNN(nn.Module):
    """conv3x3-bn-relu-maxpool x2, conv3x3-bn-relu, global average pool, linear:
    f32[1,3,32,32] -> f32[1,10], 15k parameters (~60 KB)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.conv3, self.bn3 = nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.bn3(self.conv3(x)))
        return self.fc(x.mean(dim=(2, 3)))


# ----------------------------------------------------------------------------------------------
# Deterministic initialisation
# ----------------------------------------------------------------------------------------------

BATCHNORM_TYPES = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


@torch.no_grad()
def init_weights(model: nn.Module, seed: int = 0, random_bn_stats: bool = False) -> nn.Module:
    """Re-initialise every parameter from ``seed`` (modules visited in definition order).

    Convolutions: normal, std = gain / sqrt(fan_in) (He for ReLU-family nets); linears:
    normal, std = 1 / sqrt(fan_in); biases: uniform(-0.1, 0.1); BN gamma: uniform(0.75, 1.25),
    beta: uniform(-0.1, 0.1); LayerNorm gamma: uniform(0.8, 1.2), beta: normal(0, 0.05);
    embeddings, class token and position embeddings: normal(0, 1).
    With ``random_bn_stats`` BN running means are normal(0, 0.1) and variances
    uniform(0.5, 1.5) (otherwise they are left for ``calibrate_batchnorm``)."""
    gen = torch.Generator().manual_seed(seed)

    def normal_(t, std):
        t.copy_(torch.randn(t.shape, generator=gen) * std)

    def uniform_(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=gen) * (hi - lo) + lo)

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            normal_(m.weight, math.sqrt(2.0 / fan_in))
            if m.bias is not None:
                uniform_(m.bias, -0.1, 0.1)
        elif isinstance(m, nn.Linear):
            normal_(m.weight, 1.0 / math.sqrt(m.in_features))
            if m.bias is not None:
                uniform_(m.bias, -0.1, 0.1)
        elif isinstance(m, BATCHNORM_TYPES):
            uniform_(m.weight, 0.75, 1.25)
            uniform_(m.bias, -0.1, 0.1)
            if random_bn_stats:
                normal_(m.running_mean, 0.1)
                uniform_(m.running_var, 0.5, 1.5)
            else:
                m.reset_running_stats()
        elif isinstance(m, nn.LayerNorm):
            uniform_(m.weight, 0.8, 1.2)
            normal_(m.bias, 0.05)
        elif isinstance(m, nn.Embedding):
            normal_(m.weight, 1.0)
        for name, p in m.named_parameters(recurse=False):
            if name in ("cls_token", "pos_embed"):
                normal_(p, 1.0)
    return model


@torch.no_grad()
def calibrate_batchnorm(model: nn.Module, example: torch.Tensor, batch: int = 2, seed: int = 1) -> nn.Module:
    """Set every BN layer's running statistics to the batch statistics of one forward pass
    over a fixed-seed random batch (N(0,1), the input's per-sample shape), with everything
    but the BN layers in eval mode (dropout off). Returns the model in eval mode."""
    bns = [m for m in model.modules() if isinstance(m, BATCHNORM_TYPES)]
    if not bns:
        return model.eval()
    gen = torch.Generator().manual_seed(seed)
    data = torch.randn((batch,) + tuple(example.shape[1:]), generator=gen, dtype=example.dtype)
    model.eval()
    saved = []
    for bn in bns:
        saved.append(bn.momentum)
        bn.reset_running_stats()
        bn.momentum = None          # cumulative average: after one batch, exactly its statistics
        bn.train()
    model(data)
    for bn, momentum in zip(bns, saved):
        bn.momentum = momentum
        bn.num_batches_tracked.zero_()
    return model.eval()


# ----------------------------------------------------------------------------------------------
# Registry
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ModelSpec:
    name: str
    factory: Callable[[], nn.Module]
    input_shape: Tuple[int, ...]
    input_dtype: torch.dtype = torch.float32
    description: str = ""
    calibrate: bool = True          # calibrate BN statistics (False: random statistics)
    vocab: int = 0                  # for token-id inputs: ids are drawn from [0, vocab)


MODELS: Dict[str, ModelSpec] = {s.name: s for s in [
    ModelSpec("mobilenet_v2", MobileNetV2, (1, 3, 224, 224), description="MobileNetV2 1.0 (inverted residuals, ReLU6)"),
    ModelSpec("mobilenet_v3_small", MobileNetV3Small, (1, 3, 224, 224), description="MobileNetV3-Small (hardswish, SE/hardsigmoid)"),
    ModelSpec("resnet18", lambda: ResNet(BasicBlock, (2, 2, 2, 2)), (1, 3, 224, 224), description="ResNet-18"),
    ModelSpec("resnet50", lambda: ResNet(Bottleneck, (3, 4, 6, 3)), (1, 3, 224, 224), description="ResNet-50 (v1.5)"),
    ModelSpec("efficientnet_b0", EfficientNetB0, (1, 3, 224, 224), description="EfficientNet-B0 (MBConv, SiLU, SE)"),
    ModelSpec("squeezenet1_1", SqueezeNet11, (1, 3, 224, 224), description="SqueezeNet 1.1 (fire modules, ceil-mode pools)"),
    ModelSpec("shufflenet_v2_x1_0", ShuffleNetV2, (1, 3, 224, 224), description="ShuffleNetV2 1.0x (channel split/shuffle)"),
    ModelSpec("vit_tiny", ViT, (1, 3, 224, 224), description="ViT, patch 16, dim 192, 4 layers, 3 heads"),
    ModelSpec("bert_mini", BertEncoder, (1, 32), torch.int64, description="BERT encoder, 4 layers, hidden 128, 2 heads (token ids)", vocab=30522),
    ModelSpec("bert_mini_embeds", lambda: BertEncoder(takes_embeddings=True), (1, 32, 128),
              description="bert_mini taking word embeddings (no token lookup)"),
    ModelSpec("tiny_cnn", TinyCNN, (1, 3, 32, 32), description="conv-bn-relu-pool CNN, 10 classes (README example)", calibrate=False),
]}


def example_input(name: str, seed: int = 0) -> torch.Tensor:
    """The fixed-seed input of a registered model: N(0,1) floats, or token ids uniform in
    [0, vocab)."""
    spec = MODELS[name]
    gen = torch.Generator().manual_seed(seed)
    if spec.input_dtype == torch.int64:
        return torch.randint(0, spec.vocab, spec.input_shape, generator=gen, dtype=torch.int64)
    return torch.randn(spec.input_shape, generator=gen, dtype=spec.input_dtype)


def build(name: str, seed: int = 0) -> nn.Module:
    """Construct a registered model with deterministic weights, in eval mode."""
    spec = MODELS[name]
    torch.manual_seed(seed)
    model = spec.factory()
    init_weights(model, seed, random_bn_stats=not spec.calibrate)
    if spec.calibrate:
        calibrate_batchnorm(model, example_input(name, seed))
    return model.eval()


def _builder(name):
    def f(seed: int = 0) -> nn.Module:
        return build(name, seed)
    f.__name__ = name
    f.__doc__ = f"{MODELS[name].description}: input {MODELS[name].input_shape}, eval mode, seeded weights."
    return f


mobilenet_v2 = _builder("mobilenet_v2")
mobilenet_v3_small = _builder("mobilenet_v3_small")
resnet18 = _builder("resnet18")
resnet50 = _builder("resnet50")
efficientnet_b0 = _builder("efficientnet_b0")
squeezenet1_1 = _builder("squeezenet1_1")
shufflenet_v2_x1_0 = _builder("shufflenet_v2_x1_0")
vit_tiny = _builder("vit_tiny")
bert_mini = _builder("bert_mini")
bert_mini_embeds = _builder("bert_mini_embeds")
tiny_cnn = _builder("tiny_cnn")


if __name__ == "__main__":
    # Quick self-check: parameter counts and output statistics of every model.
    import time
    for name in MODELS:
        t0 = time.time()
        m = build(name)
        x = example_input(name)
        with torch.no_grad():
            y = m(x)
        params = sum(p.numel() for p in m.parameters())
        print(f"{name:20s} params {params/1e6:8.3f} M  out {tuple(y.shape)}  mean {y.mean():+.3f} std {y.std():.3f} "
              f"min {y.min():+.3f} max {y.max():+.3f}  finite {bool(torch.isfinite(y).all())}  {time.time()-t0:.1f}s")
