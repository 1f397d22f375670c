"""Small-width, plain-PyTorch versions of the classic ONNX model-zoo CNNs.

Each network keeps the ops that characterise its architecture (LRN and
big-stride convs in AlexNet, `x.view(x.size(0), -1)` in VGG, BN + residual
adds in ResNet, concat growth in DenseNet, parallel branches in Inception,
fire modules with ceil-mode pooling in SqueezeNet, channel shuffle in
ShuffleNet, depthwise-separable blocks with ReLU6 in MobileNet) at a width
small enough that the conformance test runs in seconds.

Nothing here imports fpgaforge; `tests/frontend/test_model_zoo.py` exports
these to ONNX and compares fpgaforge against onnxruntime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn(
    cin: int,
    cout: int,
    k: int | tuple[int, int] = 3,
    stride: int = 1,
    padding: int | tuple[int, int] | None = None,
    groups: int = 1,
    act: type[nn.Module] | None = nn.ReLU,
    eps: float = 1e-5,
) -> nn.Sequential:
    """Conv (no bias) + BatchNorm [+ activation]; 'same'-style padding by default."""
    if padding is None:
        padding = k // 2 if isinstance(k, int) else (k[0] // 2, k[1] // 2)
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, k, stride=stride, padding=padding, groups=groups, bias=False),
        nn.BatchNorm2d(cout, eps=eps),
    ]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------
# AlexNet
# --------------------------------------------------------------------------------------


class AlexNet(nn.Module):
    """AlexNet (Krizhevsky 2012, with LRN): 11×11/4 conv, LRN, maxpool 3/2, linear stack.

    Input (N, 3, 64, 64).
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 11, stride=4, padding=2),  # 64 → 15
            nn.ReLU(inplace=True),
            nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
            nn.MaxPool2d(3, stride=2),  # → 7
            nn.Conv2d(16, 24, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0),
            nn.MaxPool2d(3, stride=2),  # → 3
            nn.Conv2d(24, 32, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 24, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2),  # → 1
        )
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(24, 48),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(48, 48),
            nn.ReLU(inplace=True),
            nn.Linear(48, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


# --------------------------------------------------------------------------------------
# VGG
# --------------------------------------------------------------------------------------


class VGG(nn.Module):
    """VGG-style 3×3 conv stacks with max pooling; flatten by `x.view(x.size(0), -1)`.

    Input (N, 3, 32, 32).
    """

    CONFIG = (8, 8, "M", 16, 16, "M", 24, 24, 24, "M")

    def __init__(self, num_classes: int = 10, batch_norm: bool = False) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for item in self.CONFIG:
            if item == "M":
                layers.append(nn.MaxPool2d(2, stride=2))
                continue
            assert isinstance(item, int)
            layers.append(nn.Conv2d(cin, item, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(item))
            layers.append(nn.ReLU(inplace=True))
            cin = item
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(cin * 4 * 4, 64),
            nn.ReLU(inplace=True),
            nn.Dropout(),
            nn.Linear(64, 64),
            nn.ReLU(inplace=True),
            nn.Dropout(),
            nn.Linear(64, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)


# --------------------------------------------------------------------------------------
# ResNet
# --------------------------------------------------------------------------------------


class BasicBlock(nn.Module):
    """Two 3×3 conv-BN, identity or strided 1×1 conv-BN shortcut, residual add, ReLU."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample: nn.Module | None = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """1×1 reduce, 3×3 (strided), 1×1 expand ×4, each with BN; projection shortcut."""

    expansion = 4

    def __init__(self, cin: int, width: int, stride: int = 1) -> None:
        super().__init__()
        cout = width * self.expansion
        self.body = nn.Sequential(
            conv_bn(cin, width, 1),
            conv_bn(width, width, 3, stride=stride),
            conv_bn(width, cout, 1, act=None),
        )
        self.downsample: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.downsample = conv_bn(cin, cout, 1, stride=stride, act=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.body(x) + self.downsample(x))


class ResNet(nn.Module):
    """ResNet: 7×7/2 stem + maxpool 3/2, basic and bottleneck stages, global avg pool, fc.

    Input (N, 3, 64, 64).
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, stride=2), BasicBlock(16, 16))
        self.layer3 = nn.Sequential(Bottleneck(16, 8, stride=2), Bottleneck(32, 8))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = self.avgpool(x)
        x = x.view(x.size(0), -1)
        return self.fc(x)


# --------------------------------------------------------------------------------------
# DenseNet
# --------------------------------------------------------------------------------------


class DenseLayer(nn.Module):
    """BN-ReLU-conv1×1 (bottleneck) then BN-ReLU-conv3×3; output concatenated to the input."""

    def __init__(self, cin: int, growth: int, bn_size: int = 2) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, bn_size * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth)
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(F.relu(self.norm1(x)))
        y = self.conv2(F.relu(self.norm2(y)))
        return torch.cat([x, y], 1)


class Transition(nn.Sequential):
    """BN-ReLU-conv1×1 then avg pool 2/2."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(
            nn.BatchNorm2d(cin),
            nn.ReLU(inplace=True),
            nn.Conv2d(cin, cout, 1, bias=False),
            nn.AvgPool2d(2, stride=2),
        )


class DenseNet(nn.Module):
    """DenseNet: conv stem, two dense blocks with a transition, final BN-ReLU, GAP, fc.

    Input (N, 3, 32, 32).
    """

    def __init__(self, growth: int = 4, num_classes: int = 10) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.Conv2d(3, 8, 3, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
        ]
        channels = 8
        for block in range(2):
            for _ in range(3):
                layers.append(DenseLayer(channels, growth))
                channels += growth
            if block == 0:
                layers.append(Transition(channels, channels // 2))
                channels //= 2
        layers.append(nn.BatchNorm2d(channels))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.features(x), inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.classifier(torch.flatten(out, 1))


# --------------------------------------------------------------------------------------
# Inception (GoogLeNet v1 and v3-style modules)
# --------------------------------------------------------------------------------------


class InceptionV1(nn.Module):
    """GoogLeNet module: 1×1, 1×1→3×3, 1×1→5×5 and maxpool 3/1→1×1 branches, concat."""

    def __init__(self, cin: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, cp: int) -> None:
        super().__init__()
        self.branch1 = conv_bn(cin, c1, 1, eps=1e-3)
        self.branch2 = nn.Sequential(conv_bn(cin, c3r, 1, eps=1e-3), conv_bn(c3r, c3, 3, eps=1e-3))
        self.branch3 = nn.Sequential(conv_bn(cin, c5r, 1, eps=1e-3), conv_bn(c5r, c5, 5, eps=1e-3))
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), conv_bn(cin, cp, 1, eps=1e-3)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionV3A(nn.Module):
    """Inception-v3 'A' module: 1×1, 5×5, double 3×3 and avgpool 3/1/1 (count_include_pad) branches."""

    def __init__(self, cin: int, pool_features: int, count_include_pad: bool = True) -> None:
        super().__init__()
        self.branch1x1 = conv_bn(cin, 8, 1, eps=1e-3)
        self.branch5x5 = nn.Sequential(conv_bn(cin, 6, 1, eps=1e-3), conv_bn(6, 8, 5, eps=1e-3))
        self.branch3x3dbl = nn.Sequential(
            conv_bn(cin, 8, 1, eps=1e-3), conv_bn(8, 12, 3, eps=1e-3), conv_bn(12, 12, 3, eps=1e-3)
        )
        self.branch_pool = conv_bn(cin, pool_features, 1, eps=1e-3)
        self.count_include_pad = count_include_pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pool = F.avg_pool2d(
            x, kernel_size=3, stride=1, padding=1, count_include_pad=self.count_include_pad
        )
        return torch.cat(
            [self.branch1x1(x), self.branch5x5(x), self.branch3x3dbl(x), self.branch_pool(pool)],
            1,
        )


class InceptionV3C(nn.Module):
    """Inception-v3 'C' module: factorised 1×7 / 7×1 convolutions and an avgpool branch."""

    def __init__(self, cin: int, c7: int) -> None:
        super().__init__()
        self.branch1x1 = conv_bn(cin, 8, 1, eps=1e-3)
        self.branch7x7 = nn.Sequential(
            conv_bn(cin, c7, 1, eps=1e-3),
            conv_bn(c7, c7, (1, 7), eps=1e-3),
            conv_bn(c7, 8, (7, 1), eps=1e-3),
        )
        self.branch_pool = conv_bn(cin, 8, 1, eps=1e-3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        return torch.cat([self.branch1x1(x), self.branch7x7(x), self.branch_pool(pool)], 1)


class Inception(nn.Module):
    """GoogLeNet/v3 hybrid: stem with ceil-mode maxpool, v1, v3-A (both count_include_pad
    variants), strided reduction, v3-C, GAP, dropout, fc.

    Input (N, 3, 32, 32).
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            conv_bn(3, 12, 3, eps=1e-3),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),  # 32 → 16 (ceil)
        )
        self.inc1 = InceptionV1(12, 6, 6, 8, 4, 4, 4)  # → 22
        self.inc2 = InceptionV3A(22, 4, count_include_pad=True)  # → 8 + 8 + 12 + 4 = 32
        self.inc3 = InceptionV3A(32, 6, count_include_pad=False)  # → 34
        self.reduce = nn.MaxPool2d(3, stride=2, ceil_mode=True)  # 16 → 8 (ceil)
        self.inc4 = InceptionV3C(34, 6)  # → 24
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(24, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inc3(self.inc2(self.inc1(self.stem(x))))
        x = self.inc4(self.reduce(x))
        x = F.adaptive_avg_pool2d(x, (1, 1))
        x = self.dropout(torch.flatten(x, 1))
        return self.fc(x)


# --------------------------------------------------------------------------------------
# SqueezeNet
# --------------------------------------------------------------------------------------


class Fire(nn.Module):
    """Fire module: 1×1 squeeze, then parallel 1×1 and 3×3 expands, concatenated."""

    def __init__(self, cin: int, squeeze: int, expand1: int, expand3: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, expand1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, expand3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat(
            [
                self.expand1x1_activation(self.expand1x1(x)),
                self.expand3x3_activation(self.expand3x3(x)),
            ],
            1,
        )


class SqueezeNet(nn.Module):
    """SqueezeNet 1.1: 3×3/2 stem, fire modules between ceil-mode maxpools, conv classifier.

    Input (N, 3, 64, 64); the even feature sizes make ceil_mode change the pooled size.
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1),  # 64 → 32
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),  # 32 → 16 (floor would give 15)
            Fire(16, 4, 8, 8),
            Fire(16, 4, 8, 8),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),  # 16 → 8
            Fire(16, 6, 12, 12),
            Fire(24, 6, 12, 12),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),  # 8 → 4
            Fire(24, 8, 16, 16),
        )
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Conv2d(32, num_classes, 1),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.classifier(self.features(x)), 1)


# --------------------------------------------------------------------------------------
# ShuffleNet
# --------------------------------------------------------------------------------------


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet channel shuffle: view (N, g, C/g, H, W), swap axes 1 and 2, view back."""
    batch, channels, height, width = x.size()
    x = x.view(batch, groups, channels // groups, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batch, -1, height, width)


class ShuffleUnit(nn.Module):
    """ShuffleNet v1 unit: grouped 1×1, shuffle, depthwise 3×3 (strided), grouped 1×1.

    Stride 1 adds the input; stride 2 concatenates an avgpool 3/2/1 of it.
    """

    def __init__(self, cin: int, cout: int, groups: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        self.groups = groups
        branch_out = cout - cin if stride == 2 else cout
        mid = cout // 4
        self.gconv1 = conv_bn(cin, mid, 1, groups=groups)
        self.dwconv = conv_bn(mid, mid, 3, stride=stride, groups=mid, act=None)
        self.gconv2 = conv_bn(mid, branch_out, 1, groups=groups, act=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = channel_shuffle(self.gconv1(x), self.groups)
        y = self.gconv2(self.dwconv(y))
        if self.stride == 2:
            return F.relu(torch.cat([F.avg_pool2d(x, 3, stride=2, padding=1), y], 1))
        return F.relu(x + y)


class ShuffleV2Unit(nn.Module):
    """ShuffleNet v2 unit (stride 1): split channels in half, transform one half, concat, shuffle."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        half = channels // 2
        self.branch = nn.Sequential(
            conv_bn(half, half, 1),
            conv_bn(half, half, 3, groups=half, act=None),
            conv_bn(half, half, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = x.chunk(2, dim=1)
        return channel_shuffle(torch.cat([a, self.branch(b)], 1), 2)


class ShuffleNet(nn.Module):
    """ShuffleNet: stem + maxpool, v1 units (groups 2), a v2 unit, GAP (mean), fc.

    Input (N, 3, 32, 32).
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            conv_bn(3, 12, 3, stride=2), nn.MaxPool2d(3, stride=2, padding=1)
        )  # 32 → 8
        self.stage = nn.Sequential(
            ShuffleUnit(12, 24, groups=2, stride=2),  # → 4
            ShuffleUnit(24, 24, groups=2, stride=1),
            ShuffleUnit(24, 24, groups=2, stride=1),
            ShuffleV2Unit(24),
        )
        self.fc = nn.Linear(24, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stage(self.stem(x))
        return self.fc(x.mean([2, 3]))


# --------------------------------------------------------------------------------------
# MobileNet v1 and v2
# --------------------------------------------------------------------------------------


class MobileNetV1(nn.Module):
    """MobileNet v1: 3×3/2 stem, depthwise-separable blocks (dw 3×3 + pw 1×1, BN, ReLU6).

    Input (N, 3, 32, 32).
    """

    SPEC = ((8, 16, 1), (16, 24, 2), (24, 24, 1), (24, 32, 2), (32, 32, 1))

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        layers: list[nn.Module] = [conv_bn(3, 8, 3, stride=2, act=nn.ReLU6)]
        for cin, cout, stride in self.SPEC:
            layers.append(conv_bn(cin, cin, 3, stride=stride, groups=cin, act=nn.ReLU6))
            layers.append(conv_bn(cin, cout, 1, act=nn.ReLU6))
        self.model = nn.Sequential(*layers, nn.AvgPool2d(4))
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.model(x)
        return self.fc(x.view(-1, 32))


class InvertedResidual(nn.Module):
    """MobileNet v2 block: 1×1 expand (ReLU6), dw 3×3 (ReLU6), linear 1×1 projection (+ x)."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = cin * expand
        self.use_residual = stride == 1 and cin == cout
        layers: list[nn.Module] = []
        if expand != 1:
            layers.append(conv_bn(cin, hidden, 1, act=nn.ReLU6))
        layers += [
            conv_bn(hidden, hidden, 3, stride=stride, groups=hidden, act=nn.ReLU6),
            conv_bn(hidden, cout, 1, act=None),  # linear bottleneck
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_residual else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNet v2: stem, inverted residual blocks, 1×1 head conv, mean pool, dropout, fc.

    Input (N, 3, 32, 32).
    """

    SPEC = ((8, 8, 1, 1), (8, 12, 2, 4), (12, 12, 1, 4), (12, 16, 2, 4), (16, 16, 1, 4))

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        blocks = [conv_bn(3, 8, 3, stride=2, act=nn.ReLU6)]
        blocks += [InvertedResidual(*spec) for spec in self.SPEC]
        blocks.append(conv_bn(16, 48, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(48, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean([2, 3]))


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZooModel:
    """A zoo architecture and the shape of one input sample (without the batch)."""

    name: str
    factory: Callable[[], nn.Module]
    sample_shape: tuple[int, ...]


ZOO = [
    ZooModel("alexnet", AlexNet, (3, 64, 64)),
    ZooModel("vgg", VGG, (3, 32, 32)),
    ZooModel("vgg_bn", lambda: VGG(batch_norm=True), (3, 32, 32)),
    ZooModel("resnet", ResNet, (3, 64, 64)),
    ZooModel("densenet", DenseNet, (3, 32, 32)),
    ZooModel("inception", Inception, (3, 32, 32)),
    ZooModel("squeezenet", SqueezeNet, (3, 64, 64)),
    ZooModel("shufflenet", ShuffleNet, (3, 32, 32)),
    ZooModel("mobilenet_v1", MobileNetV1, (3, 32, 32)),
    ZooModel("mobilenet_v2", MobileNetV2, (3, 32, 32)),
]
ZOO_BY_NAME = {m.name: m for m in ZOO}


def randomize_batchnorm(module: nn.Module, seed: int = 0) -> nn.Module:
    """Give every BatchNorm non-trivial running statistics and affine parameters.

    Freshly initialised BatchNorms are the identity in eval mode, which would
    let a frontend that mishandles BN folding pass unnoticed.
    """
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=gen) * 0.8 + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) * 0.8 + 0.6)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.2)
    return module


def build(model: ZooModel, batch: int = 3, seed: int = 0) -> tuple[nn.Module, torch.Tensor]:
    """The seeded eval-mode network (random BN statistics) and a random input batch."""
    torch.manual_seed(seed)
    net = randomize_batchnorm(model.factory(), seed=seed + 1).eval()
    x = torch.randn(batch, *model.sample_shape, generator=torch.Generator().manual_seed(seed + 2))
    return net, x
