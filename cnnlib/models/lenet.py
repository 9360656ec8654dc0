"""LeNet-5 (LeCun, Bottou, Bengio, Haffner, "Gradient-based learning applied to document
recognition", Proc. IEEE 86(11):2278-2324, 1998; no arXiv version), Section II.B and Fig. 2.

The architecture as data (the paper's Fig. 2, 32x32 grey-level input):

    layer  type         maps  kernel  output
    C1     conv          6    5x5     6 x 28 x 28
    S2     subsample     6    2x2/2   6 x 14 x 14
    C3     conv         16    5x5     16 x 10 x 10   (sparse: Table I below)
    S4     subsample    16    2x2/2   16 x 5 x 5
    C5     conv        120    5x5     120 x 1 x 1
    F6     full         84            84
    OUTPUT RBF          10            10

What we build and what the paper did differently (Section II.B and Appendix A):

* **Squashing.** The paper's units use ``f(a) = A tanh(S a)`` with ``A = 1.7159``, ``S = 2/3``;
  we use plain ``nn.Tanh`` (``act_layer`` lets you swap it, e.g. for ``nn.ReLU``).
* **Subsampling.** S2/S4 add the four inputs of each 2x2 window, multiply by a *trainable*
  coefficient, add a trainable bias and squash (12 and 32 parameters). We use ``nn.AvgPool2d(2)``
  followed by the activation: the same shape and averaging, no trainable coefficient/bias.
* **C3 connections.** The paper connects each C3 map to only a subset of the S2 maps
  (:data:`LENET5_C3_TABLE`, the paper's Table I), 1,516 trainable parameters, to break symmetry
  and save compute. We connect every C3 map to all six S2 maps (2,416 parameters), as modern
  re-implementations do; ``lenet5(sparse_c3=True)`` builds the paper's table instead.
* **Output.** The paper's output layer is 10 Euclidean radial-basis-function units whose
  parameter vectors are fixed +-1 7x12 bitmaps of the characters; the "score" is a distance, and
  the loss is not softmax cross-entropy. We use ``nn.Linear(84, num_classes)`` logits.
"""
from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from cnnlib.layers import LayerFactory
from cnnlib.layers.weight_init import apply_init, lecun_uniform_
from cnnlib.models._base import ImageClassifier
from cnnlib.registry import register_model

__all__ = ["LeNet5", "SparseC3", "LENET5_C3_TABLE", "lenet5", "lenet5_default_init"]

# Table I of LeCun et al. (1998): which S2 maps (0-5) feed each of the 16 C3 maps. The first six
# C3 maps see three contiguous S2 maps, the next six four contiguous ones, the next three four
# non-contiguous ones, and the last one all six: 60 connections in total.
LENET5_C3_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


class SparseC3(nn.Module):
    """The paper's partially connected C3: one small conv per output map over its input subset.

    ``table[j]`` lists the input maps that output map ``j`` sees (default: the paper's Table I).
    Parameters: ``sum(len(s) * k * k + 1 for s in table)`` (1,516 for Table I, k=5).
    """

    def __init__(
        self,
        table: tuple[tuple[int, ...], ...] = LENET5_C3_TABLE,
        kernel_size: int = 5,
    ) -> None:
        super().__init__()
        if not table or any(len(s) == 0 for s in table):
            raise ValueError("every output map of the connection table needs at least one input")
        self.in_channels = max(max(s) for s in table) + 1
        self.out_channels = len(table)
        self.table = tuple(tuple(int(i) for i in s) for s in table)
        for j, s in enumerate(self.table):
            self.register_buffer(f"index{j}", torch.tensor(s, dtype=torch.long), persistent=False)
        self.convs = nn.ModuleList(nn.Conv2d(len(s), 1, kernel_size) for s in self.table)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [
            conv(x.index_select(1, getattr(self, f"index{j}")))
            for j, conv in enumerate(self.convs)
        ]
        return torch.cat(outs, dim=1)

    def extra_repr(self) -> str:
        n = sum(len(s) for s in self.table)
        return f"{self.in_channels} -> {self.out_channels} maps, {n} connections"


class LeNet5(ImageClassifier):
    """LeNet-5 on 1x32x32 inputs: conv-pool-conv-pool-conv, then F6 and the classifier."""

    def __init__(
        self,
        num_classes: int = 10,
        *,
        in_channels: int = 1,
        act_layer: LayerFactory = nn.Tanh,
        sparse_c3: bool = False,
    ) -> None:
        super().__init__()
        if sparse_c3 and in_channels != 1:
            raise ValueError(
                f"sparse_c3=True follows the paper's single-channel input, got "
                f"in_channels={in_channels}; use in_channels=1 or sparse_c3=False"
            )
        self.in_channels = in_channels
        self.num_classes = num_classes
        c3: nn.Module = SparseC3() if sparse_c3 else nn.Conv2d(6, 16, 5)
        self.body = nn.Sequential(OrderedDict([
            ("c1", nn.Conv2d(in_channels, 6, 5)),  # N x 6 x 28 x 28
            ("act1", act_layer()),
            ("s2", nn.AvgPool2d(2)),                # N x 6 x 14 x 14
            ("act2", act_layer()),                  # paper: trainable scale + bias, then squash
            ("c3", c3),                             # N x 16 x 10 x 10
            ("act3", act_layer()),
            ("s4", nn.AvgPool2d(2)),                # N x 16 x 5 x 5
            ("act4", act_layer()),
            ("c5", nn.Conv2d(16, 120, 5)),          # N x 120 x 1 x 1
            ("act5", act_layer()),
        ]))
        self.classifier = nn.Sequential(OrderedDict([
            ("f6", nn.Linear(120, 84)),
            ("act6", act_layer()),
            ("output", nn.Linear(84, num_classes)),  # paper: 10 Euclidean RBF units
        ]))
        self.init_weights()

    def init_weights(self) -> None:
        """Uniform in +-2.4 / fan_in for every weight (LeCun et al. 1998, Appendix A.C);
        biases 0 (our choice)."""
        apply_init(self, conv=lecun_uniform_, linear=lecun_uniform_)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # N x 120 x 1 x 1 at 32x32

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(x, 1))


@register_model
def lenet5(*, num_classes: int = 10, **kwargs) -> LeNet5:
    """LeNet-5 (LeCun et al., Proc. IEEE 86(11), 1998, Fig. 2); 1x32x32 input, full C3 by default.

    ``sparse_c3=True`` uses the paper's Table I connections; see the module docstring for the
    other differences (tanh, average pooling, linear output instead of RBF units).
    """
    return LeNet5(num_classes, **kwargs)


def lenet5_default_init(act_layer: LayerFactory = nn.Tanh, *, in_channels: int = 1,
                        num_classes: int = 10) -> LeNet5:
    """LeNet-5 with PyTorch's default initialization of every conv and linear layer.

    Not registered (a classroom variant, chapter 2's tanh-versus-ReLU demo): the network of
    :func:`lenet5` with ``act_layer``, built as ``lenet5`` builds it (the paper's
    initialization), then re-initialized with each layer's ``reset_parameters()``, so that
    tanh and ReLU networks start from the same, activation-neutral initialization rule.
    """
    net = LeNet5(num_classes, in_channels=in_channels, act_layer=act_layer)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.reset_parameters()
    return net
