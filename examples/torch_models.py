"""Plain-PyTorch reference networks shared by the examples, tests and benchmarks.

Nothing here imports fpgaforge: these are ordinary `torch.nn.Module`s that the
example script trains, the conformance tests export to ONNX, and the import
benchmark times.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# --------------------------------------------------------------------------------------
# Digits models (trained by examples/train_digits.py)
# --------------------------------------------------------------------------------------


class DigitsMLP(nn.Module):
    """64→64→32→10 multilayer perceptron with ReLU; input (N, 64)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def conv_bn_relu(cin: int, cout: int, k: int = 3, stride: int = 1) -> nn.Sequential:
    """Conv (no bias, 'same'-style padding) + BatchNorm + ReLU."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
    )


class DigitsCNN(nn.Module):
    """Two conv-BN-ReLU-maxpool stages and a linear classifier; input (N, 1, 8, 8)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            conv_bn_relu(1, 8), nn.MaxPool2d(2), conv_bn_relu(8, 16), nn.MaxPool2d(2)
        )
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.features(x), 1))


class BasicBlock(nn.Module):
    """ResNet basic block: conv-BN-ReLU-conv-BN + shortcut, then ReLU.

    The shortcut is the identity, or a strided 1×1 conv + BN when the block
    changes the resolution or the channel count.
    """

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))


class DigitsResCNN(nn.Module):
    """Small residual CNN: stem, an identity block, a downsampling block, GAP, linear."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn_relu(1, 8)
        self.block1 = BasicBlock(8, 8)
        self.block2 = BasicBlock(8, 16, stride=2)
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block2(self.block1(self.stem(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


# --------------------------------------------------------------------------------------
# Small conformance networks (tests/frontend/test_torch_models.py)
# --------------------------------------------------------------------------------------


class TinyMLP(nn.Module):
    """MLP with a few activations; input (N, 20)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 5)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MixedCNN(nn.Module):
    """Depthwise and grouped convs, BatchNorm, ReLU6, HardSwish, SiLU, avg and max pooling.

    Input (N, 3, 16, 16).
    """

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU6())
        self.depthwise = nn.Sequential(
            nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.Hardswish()
        )
        self.grouped = nn.Sequential(
            nn.Conv2d(8, 16, 3, padding=1, groups=2), nn.BatchNorm2d(16), nn.SiLU()
        )
        self.avg = nn.AvgPool2d(2)
        self.max = nn.MaxPool2d(3, stride=2, padding=1)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.avg(self.depthwise(self.stem(x)))
        y = self.max(self.grouped(y))
        return self.fc(torch.flatten(y, 1))


class TinyResNet(nn.Module):
    """A stem and three basic blocks (one downsampling), GAP, linear; input (N, 3, 16, 16)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn_relu(3, 8)
        self.blocks = nn.Sequential(
            BasicBlock(8, 8), BasicBlock(8, 16, stride=2), BasicBlock(16, 16)
        )
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.blocks(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


class ConcatNet(nn.Module):
    """Inception/DenseNet-style channel concatenation of parallel branches; input (N, 3, 12, 12)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = conv_bn_relu(3, 8)
        self.branch1 = conv_bn_relu(8, 4, k=1)
        self.branch3 = nn.Sequential(conv_bn_relu(8, 4, k=1), conv_bn_relu(4, 6, k=3))
        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), conv_bn_relu(8, 2, k=1)
        )
        self.dense = conv_bn_relu(8 + 4 + 6 + 2, 8)
        self.fc = nn.Linear(8 + 4 + 6 + 2 + 8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.stem(x)
        y = torch.cat([s, self.branch1(s), self.branch3(s), self.branch_pool(s)], dim=1)
        y = torch.cat([y, self.dense(y)], dim=1)  # DenseNet-style: keep the input features
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


class MiscOpsNet(nn.Module):
    """LayerNorm, tanh-GELU, Softmax, nearest Upsample, Pad, Slice/Split, Transpose/Reshape.

    Input (N, 3, 8, 8); output (N, 10) probabilities.
    """

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, 16, 1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.norm = nn.LayerNorm(8)
        self.fc1 = nn.Linear(8, 16)
        self.act = nn.GELU(approximate="tanh")
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.up(self.proj(x))  # (N, 16, 16, 16)
        y = F.pad(y, (1, 2, 1, 0))  # (N, 16, 17, 19)
        y = y[:, :, 1:, 1:-2:2]  # (N, 16, 16, 8)
        a, b = torch.split(y, [8, 8], dim=1)  # 2 × (N, 8, 16, 8)
        y = a * torch.sigmoid(b)
        y = y.reshape(y.shape[0], 8, 128).transpose(1, 2)  # (N, 128, 8)
        y = self.act(self.fc1(self.norm(y)))  # (N, 128, 16)
        return torch.softmax(self.fc2(y.mean(dim=1)), dim=-1)


class TransformerBlock(nn.Module):
    """A small `TransformerEncoderLayer` (d_model 32, 4 heads, FFN 64); input (N, 10, 32).

    The wrapper's `forward(x)` takes only the input: the TorchScript exporter
    fills in defaulted arguments, and the layer's own `is_causal=False` then
    reaches `scaled_dot_product_attention` as a tensor and fails to trace.
    """

    def __init__(self, activation: str = "relu", norm_first: bool = False) -> None:
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(
            d_model=32,
            nhead=4,
            dim_feedforward=64,
            dropout=0.0,
            activation=activation,
            batch_first=True,
            norm_first=norm_first,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)


# --------------------------------------------------------------------------------------
# ResNet-50 (bench/import_bench.py)
# --------------------------------------------------------------------------------------


class Bottleneck(nn.Module):
    """ResNet-50 bottleneck: 1×1 reduce, 3×3 (strided), 1×1 expand ×4, + shortcut."""

    expansion = 4

    def __init__(self, cin: int, width: int, stride: int = 1) -> None:
        super().__init__()
        cout = width * self.expansion
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.downsample: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + self.downsample(x))


class ResNet50(nn.Module):
    """ResNet-50 (bottleneck stages [3, 4, 6, 3], widths 64..512 ×4 = 256..2048); input (N, 3, 224, 224)."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(3, stride=2, padding=1),
        )
        layers: list[nn.Module] = []
        cin = 64
        for i, (blocks, width) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512], strict=True)):
            for j in range(blocks):
                stride = 2 if i > 0 and j == 0 else 1
                layers.append(Bottleneck(cin, width, stride))
                cin = width * Bottleneck.expansion
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


def randomize_batchnorm(module: nn.Module, seed: int = 0) -> nn.Module:
    """Give every BatchNorm non-trivial running statistics and affine parameters.

    Freshly initialised BatchNorms are the identity in eval mode, which would
    let a frontend that mishandles BN folding pass unnoticed.
    """
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d | nn.BatchNorm1d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
    return module
