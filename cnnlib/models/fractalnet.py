"""FractalNet for CIFAR (Larsson et al., "FractalNet: Ultra-Deep Neural Networks without
Residuals", 2016, arXiv:1605.07648).

Expansion rule (Sec. 2, Fig. 1): ``f_1(z) = conv(z)`` and
``f_{C+1}(z) = join(f_C(f_C(z)), conv(z))``, where join is the element-wise *mean* of its
inputs. Unrolled, a block with C columns has column ``c`` (c = 0 shallowest ... C-1
deepest) made of ``2**c`` convs, and a join wherever several columns end at the same depth;
the deepest path has ``2**(C-1)`` convs. No identity shortcut anywhere: every signal goes
through a conv-BN-ReLU before the next layer sees it.

Drop-path (Sec. 3.1) regularises the columns during training:

* local: each join drops each of its inputs with probability ``local_drop_prob`` (15% in
  the paper, Sec. 4), keeping at least one;
* global: a single column is chosen for the whole network and only it is used.

Each mini-batch uses global sampling with probability ``global_drop_prob`` (the paper's
50/50 mixture) and local sampling otherwise. We sample one pattern per mini-batch (not per
sample), from the torch RNG, so training is reproducible under ``torch.manual_seed``.
In ``eval()`` mode all columns are used and every join is a plain mean.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
from torch import nn

from cnnlib.layers import LayerFactory, make_activation
from cnnlib.layers.weight_init import apply_init, he_normal_
from cnnlib.models._base import ImageClassifier, check_num_classes
from cnnlib.registry import register_model

__all__ = [
    "FRACTAL_CHANNELS", "LOCAL_DROP_PROB", "GLOBAL_DROP_PROB", "PAPER_DROPOUT",
    "FractalBlock", "FractalNet", "fractalnet",
]

# Larsson et al. 2016, Sec. 4 (CIFAR/SVHN): B = 5 blocks with 64, 128, 256, 512, 512 filters,
# each followed by a 2x2 max-pool (32x32 -> 1x1), then the classifier.
FRACTAL_CHANNELS = (64, 128, 256, 512, 512)
LOCAL_DROP_PROB = 0.15  # Sec. 4: "Local drop-path uses 15% drop rate across the entire network"
GLOBAL_DROP_PROB = 0.5  # the paper trains with a 50/50 mixture of global and local sampling
PAPER_DROPOUT = (0.0, 0.1, 0.2, 0.3, 0.4)  # Sec. 4: per-block dropout, for runs "with dropout"


def _conv_unit(
    in_channels: int,
    out_channels: int,
    dropout: float,
    norm_layer: LayerFactory,
    act_layer: LayerFactory,
) -> nn.Sequential:
    """3x3 conv -> dropout -> BN -> ReLU (the order of the authors' implementation)."""
    layers: list[nn.Module] = [nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False)]
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    layers += [norm_layer(out_channels), make_activation(act_layer)]
    return nn.Sequential(*layers)


class FractalBlock(nn.Module):
    """One fractal block ``f_C``, stored column by column (``columns[c]`` has ``2**c`` convs).

    Conv ``j`` of column ``c`` spans ``2**(C-1-c)`` steps of the deepest column and ends at
    step ``(j+1) * 2**(C-1-c)``; after each step the columns that end there are joined.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_columns: int,
        *,
        dropout: float = 0.0,
        local_drop_prob: float = LOCAL_DROP_PROB,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        if num_columns < 1:
            raise ValueError(f"num_columns must be at least 1, got {num_columns}")
        if not 0.0 <= local_drop_prob < 1.0:
            raise ValueError(f"local_drop_prob must be in [0, 1), got {local_drop_prob}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.num_columns = num_columns
        self.depth = 2 ** (num_columns - 1)
        self.local_drop_prob = local_drop_prob
        self.columns = nn.ModuleList(
            nn.ModuleList(
                _conv_unit(
                    in_channels if j == 0 else out_channels, out_channels, dropout, norm_layer, act_layer
                )
                for j in range(2**c)
            )
            for c in range(num_columns)
        )

    def _span(self, column: int) -> int:
        return 2 ** (self.num_columns - 1 - column)

    def join(self, inputs: list[torch.Tensor]) -> torch.Tensor:
        """Element-wise mean; in training, local drop-path first (at least one input survives)."""
        if self.training and self.local_drop_prob > 0 and len(inputs) > 1:
            keep = torch.rand(len(inputs)) >= self.local_drop_prob
            if not keep.any():
                keep[torch.randint(len(inputs), ())] = True
            inputs = [y for y, k in zip(inputs, keep.tolist()) if k]
        if len(inputs) == 1:
            return inputs[0]
        return torch.stack(inputs).mean(dim=0)

    def forward(self, x: torch.Tensor, column: Optional[int] = None) -> torch.Tensor:
        if column is not None:  # global drop-path / a single column at test time
            for conv in self.columns[column]:
                x = conv(x)
            return x
        outs = [x] * self.num_columns
        for step in range(1, self.depth + 1):
            ending = [c for c in range(self.num_columns) if step % self._span(c) == 0]
            joined = self.join([self.columns[c][step // self._span(c) - 1](outs[c]) for c in ending])
            for c in ending:
                outs[c] = joined
        return outs[-1]  # the last step joins all C columns

    def extra_repr(self) -> str:
        return f"num_columns={self.num_columns}, local_drop_prob={self.local_drop_prob}"


class FractalNet(ImageClassifier):
    """Fractal blocks, each followed by a 2x2 max-pool, then global pool + linear classifier."""

    def __init__(
        self,
        *,
        num_classes: int = 10,
        num_columns: int = 4,
        channels: Sequence[int] = FRACTAL_CHANNELS,
        in_channels: int = 3,
        dropout: float | Sequence[float] = 0.0,
        local_drop_prob: float = LOCAL_DROP_PROB,
        global_drop_prob: float = GLOBAL_DROP_PROB,
        norm_layer: LayerFactory = nn.BatchNorm2d,
        act_layer: LayerFactory = nn.ReLU,
    ) -> None:
        super().__init__()
        check_num_classes(num_classes)
        if len(channels) < 1:
            raise ValueError("channels needs one entry per fractal block; got none")
        if not 0.0 <= global_drop_prob <= 1.0:
            raise ValueError(f"global_drop_prob must be in [0, 1], got {global_drop_prob}")
        rates = [float(dropout)] * len(channels) if isinstance(dropout, (int, float)) else list(dropout)
        if len(rates) != len(channels):
            raise ValueError(
                f"got {len(rates)} dropout rates for {len(channels)} blocks; give one per block"
            )
        self.in_channels = in_channels
        self.num_columns = num_columns
        self.global_drop_prob = global_drop_prob
        self.blocks = nn.ModuleList()
        self.pools = nn.ModuleList()
        c_in = in_channels
        for c_out, rate in zip(channels, rates):
            self.blocks.append(
                FractalBlock(
                    c_in, c_out, num_columns, dropout=rate, local_drop_prob=local_drop_prob,
                    norm_layer=norm_layer, act_layer=act_layer,
                )
            )
            self.pools.append(nn.MaxPool2d(2))
            c_in = c_out
        self.num_features = c_in
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c_in, num_classes)
        self.init_weights()

    @property
    def depth(self) -> int:
        """Convs on the deepest path: ``B * 2**(C-1)`` (40 for B = 5, C = 4)."""
        return len(self.blocks) * 2 ** (self.num_columns - 1)

    def sample_column(self) -> Optional[int]:
        """Draw this mini-batch's drop-path mode: a column index (global) or None (local)."""
        if self.global_drop_prob > 0 and torch.rand(()).item() < self.global_drop_prob:
            return int(torch.randint(self.num_columns, ()).item())
        return None

    def features(self, x: torch.Tensor, column: Optional[int] = None) -> torch.Tensor:
        if column is None and self.training:
            column = self.sample_column()
        elif column is not None and not 0 <= column < self.num_columns:
            raise ValueError(f"column must be in [0, {self.num_columns - 1}], got {column}")
        # default network at 32x32: N x 64 x 16 x 16, N x 128 x 8 x 8, N x 256 x 4 x 4,
        # N x 512 x 2 x 2, N x 512 x 1 x 1 after the five block + pool pairs
        for block, pool in zip(self.blocks, self.pools):
            x = pool(block(x, column=column))
        return x

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.pool(x), 1))

    def forward_column(self, x: torch.Tensor, column: int) -> torch.Tensor:
        """Logits from a single column (``num_columns - 1`` is the paper's "deepest column alone")."""
        return self.head(self.features(x, column=column))

    def init_weights(self) -> None:
        """He et al. 2015 (arXiv:1502.01852) normal init for the ReLU convs (fan_out, as in
        ``resnet.py``); BN scale 1, shift 0; the classifier keeps PyTorch's default."""
        apply_init(self, conv=he_normal_)


@register_model
def fractalnet(*, num_classes: int = 10, num_columns: int = 4, **kwargs: Any) -> FractalNet:
    """CIFAR FractalNet (arXiv:1605.07648, Sec. 4: B = 5 blocks, 64-128-256-512-512 filters)."""
    return FractalNet(num_classes=num_classes, num_columns=num_columns, **kwargs)
