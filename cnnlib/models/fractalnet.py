"""FractalNet for CIFAR (Larsson, Maire, Shakhnarovich, "FractalNet: Ultra-Deep Neural Networks
without Residuals", ICLR 2017, arXiv:1605.07648).

Expansion rule (Sec. 2, Fig. 1): ``f_1(z) = conv(z)`` and
``f_{C+1}(z) = join(f_C(f_C(z)), conv(z))``, where join is the element-wise *mean* of its
inputs. Unrolled, a block with C columns has column ``c`` (c = 0 shallowest ... C-1
deepest) made of ``2**c`` convs, and a join wherever several columns end at the same depth;
the deepest path has ``2**(C-1)`` convs. No identity shortcut anywhere: every signal goes
through a conv-BN-ReLU before the next layer sees it. B blocks, each followed by a 2x2
max-pool, give a network ``B * 2**(C-1)`` convs deep (Fig. 1).

The paper's CIFAR/SVHN networks (Table 1; layout from Sec. 4)
-------------------------------------------------------------

================================  ==  =  ==========================  =============  ==========
Table 1 row                       B   C  filters per block            printed count  here
================================  ==  =  ==========================  =============  ==========
FractalNet (20 layers)            5   3  64, 128, 256, 512, 512       38.6M          33.7M
FractalNet (40 layers), note ‡    5   4  per column, see below        22.9M          not built
================================  ==  =  ==========================  =============  ==========

(:data:`PAPER_NETWORKS` holds this table.) Common to both (Sec. 4): B = 5 blocks, each followed
by 2x2 non-overlapping max-pooling, so 32x32 reaches 1x1 after the fifth; a softmax prediction
layer at the end; every layer is conv -> (dropout) -> BatchNorm -> ReLU, with 3x3 convs in the
authors' released generator (github.com/gustavla/fractalnet, ``generation/fractalnet.py``:
``COLUMNS = 3``, ``FILTERS = [64, 128, 256, 512, 512]``, ``DROPOUTS = [0.0, 0.1, 0.2, 0.3,
0.4]``). The depth formula B * 2**(C-1) fixes C = 3 for 20 layers.

``fractalnet`` builds the 20-layer network: 20 convs on the deepest path, 35 convs in all,
**33,724,618 parameters with 10 classes, not the 38.6M that Table 1 prints** (33,770,788 with
100 classes). The gap, 4.9M (13%), is not explained by anything the paper or the authors'
code leaves open:

* conv bias and BatchNorm without scale/shift, as in the released Caffe generator
  (``globals.crox``: ``Convolution`` with a bias blob, ``BatchNorm`` without a ``Scale``
  layer): 33,714,314, still 33.7M;
* 100 classes instead of 10: 33,770,788, 33.8M;
* pooling each column before the last join (Sec. 4.2, below): no parameters at all;
* the same count comes out of independent reimplementations: khanrc/pt.fractalnet notes that
  the paper says 38.6M and its implementation has 33.7M (``exp-note-kor.md``), and
  osmr/imgclsmob (``pytorch/pytorchcv/models/fractalnet_cifar.py``) asserts exactly
  33,724,618 / 33,770,788 for its ``fractalnet_cifar10`` / ``fractalnet_cifar100``.

We found no configuration of the paper's description that gives 38.6M (a 1x1 conv-BN-ReLU
widening each block's input first, khanrc's "doubling" option, gives 38.9M; the paper
describes no such layer), so the figure is recorded here, not matched; tests/test_zoo_names
lists it among the documented deviations.

Table 1's 40-layer network (22.9M) is not in the zoo. Its footnote ‡ reads: "This deeper
(4 column) FractalNet has fewer parameters. We vary column width: (128, 64, 32, 16) channels
across columns initially, doubling each block except the last. A linear projection
temporarily widens thinner columns before joins. As in Iandola et al. (2016), we switch to a
mix of 1x1 and 3x3 convolutional filters." Which convs become 1x1, and where the projections
sit and how wide the joined signal is, are not given: by our count, with every conv 3x3 and
each join at the width of its widest input, that layout has 47.2M parameters, so the
unspecified 1x1 mix decides the count. A ``fractalnet40`` built by guessing it would not be
the published network, and no name here promises it. ``fractalnet(num_columns=4)`` builds
something else:
Fig. 1's example layout (B = 5, C = 4, "depth 40") at the 20-layer network's uniform widths,
76,106,634 parameters (the zoo's ``fractalnet`` before it followed Table 1).

Other differences from the paper, none of which changes a parameter count above:

* pool/join order: the paper's Fig. 1 joins, then pools; its implementation (Sec. 4.2,
  "purely for convenience") pools each column before the join spanning all columns. We join,
  then pool. With one column active (global drop-path, :meth:`FractalNet.forward_column`) the
  two are the same; with several, max-pool of the mean differs from the mean of max-pools;
* head: the released net feeds the 512x1x1 map straight into the classifier; we average-pool
  first, which at 32x32 is the identity and lets other input sizes work;
* initialisation: the paper uses Xavier (Sec. 4.1; the generator's ``xavier`` fillers), we
  use He normal (:meth:`FractalNet.init_weights`);
* the defaults train with drop-path (below) but without dropout; Table 1's rows are the plain
  network (``local_drop_prob=0, global_drop_prob=0``), "+ drop-path + dropout"
  (``dropout=PAPER_DROPOUT``) and its "deepest column alone"
  (``forward_column(x, num_columns - 1)``).

Drop-path (Sec. 3.1) regularises the columns during training:

* local: each join drops each of its inputs with probability ``local_drop_prob`` (15% in
  the paper, Sec. 4.1), keeping at least one;
* global: a single column is chosen for the whole network and only it is used.

Each mini-batch uses global sampling with probability ``global_drop_prob`` (the paper's
50/50 mixture) and local sampling otherwise. We sample one pattern per mini-batch (not per
sample), from the torch RNG, so training is reproducible under ``torch.manual_seed``.
In ``eval()`` mode all columns are used and every join is a plain mean.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence

import torch
from torch import nn

from cnnlib.layers import LayerFactory, make_activation
from cnnlib.layers.weight_init import apply_init, he_normal_
from cnnlib.models._base import ImageClassifier, check_num_classes
from cnnlib.registry import register_model

__all__ = [
    "FRACTAL_CHANNELS", "PAPER_COLUMNS", "PAPER_BLOCKS", "LOCAL_DROP_PROB", "GLOBAL_DROP_PROB",
    "PAPER_DROPOUT", "PaperNetwork", "PAPER_NETWORKS", "FractalBlock", "FractalNet", "fractalnet",
]

# Larsson et al. 2017, Sec. 4 (CIFAR/SVHN): B = 5 blocks with 64, 128, 256, 512, 512 filters,
# each followed by a 2x2 max-pool (32x32 -> 1x1), then the classifier.
FRACTAL_CHANNELS = (64, 128, 256, 512, 512)
PAPER_BLOCKS = 5
PAPER_COLUMNS = 3  # Table 1's "FractalNet (20 layers)": 5 * 2**(3 - 1) = 20
LOCAL_DROP_PROB = 0.15  # Sec. 4.1: "Local drop-path uses 15% drop rate across the entire network"
GLOBAL_DROP_PROB = 0.5  # the paper trains with a 50/50 mixture of global and local sampling
PAPER_DROPOUT = (0.0, 0.1, 0.2, 0.3, 0.4)  # Sec. 4.1: per-block dropout, for runs "with dropout"


class PaperNetwork(NamedTuple):
    """A CIFAR network of the paper's Table 1, as printed there."""

    row: str  # the row's name in Table 1
    blocks: int
    columns: int
    channels: Optional[tuple[int, ...]]  # per block; None: varies by column (footnote)
    printed_params: str  # millions, as printed (a string, to keep its digits)
    source: str
    builder: Optional[str]  # the zoo name that builds it, None if none does
    note: str = ""


#: Larsson et al. 2017 (ICLR; arXiv:1605.07648), Table 1 with the layout of Sec. 4.
PAPER_NETWORKS: dict[int, PaperNetwork] = {
    20: PaperNetwork(
        "FractalNet (20 layers, 38.6M params)", PAPER_BLOCKS, PAPER_COLUMNS, FRACTAL_CHANNELS,
        "38.6", "Larsson et al. 2017, Table 1; B, filters: Sec. 4; C from depth 20 = B * 2**(C-1)",
        "fractalnet",
        "built exactly as described, it has 33,724,618 parameters (33.7M), not 38.6M"),
    40: PaperNetwork(
        "FractalNet (40 layers, 22.9M params)", PAPER_BLOCKS, 4, None,
        "22.9", "Larsson et al. 2017, Table 1 and its footnote", None,
        "column widths (128, 64, 32, 16) doubling each block except the last, linear "
        "projections before joins, an unspecified mix of 1x1 and 3x3 convs: not built"),
}


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
    """Fractal blocks, each followed by a 2x2 max-pool, then global pool + linear classifier.

    The defaults are Table 1's 20-layer CIFAR network (module docstring): ``num_columns=3``,
    ``channels=FRACTAL_CHANNELS``.
    """

    def __init__(
        self,
        *,
        num_classes: int = 10,
        num_columns: int = PAPER_COLUMNS,
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
        """Convs on the deepest path: ``B * 2**(C-1)`` (20 for B = 5, C = 3; 40 for C = 4)."""
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
        ``resnet.py``); BN scale 1, shift 0; the classifier keeps PyTorch's default. (The
        paper uses Xavier init, Sec. 4.1: a documented deviation, module docstring.)"""
        apply_init(self, conv=he_normal_)


@register_model
def fractalnet(
    *, num_classes: int = 10, num_columns: int = PAPER_COLUMNS, **kwargs: Any
) -> FractalNet:
    """Table 1's "FractalNet (20 layers)" for CIFAR/SVHN (Larsson et al. 2017, arXiv:1605.07648):
    B = 5 blocks of C = 3 columns, 64-128-256-512-512 filters (Sec. 4), 20 convs deep.

    It has 33.7M parameters, not the 38.6M Table 1 prints (module docstring: what was ruled
    out). ``num_columns=4`` gives Fig. 1's 40-layer example layout at these widths (76.1M), which
    is not Table 1's 40-layer network (22.9M, column widths and 1x1 convs of its own).
    """
    return FractalNet(num_classes=num_classes, num_columns=num_columns, **kwargs)
