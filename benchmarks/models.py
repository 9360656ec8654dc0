"""Training-step throughput of cnnlib models vs torchvision's same architecture, one run.

    python benchmarks/models.py [--device cpu|cuda] [--batch 8] [--size 64] [--steps 5]
                                [--models resnet18,resnet50,...]

For every pair it times forward + backward + SGD step on the same batch and device, alternating
the two models to share the machine's noise, and prints images/s and the ratio cnnlib/torchvision
(target >= 1.0).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torchvision

import cnnlib

# Architectures where cnnlib and torchvision build the same network (equal parameter counts).
PAIRS = ["alexnet_owt:alexnet", "vgg11", "resnet18", "resnet50", "resnext50_32x4d",
         "wide_resnet50_2", "densenet121", "squeezenet1_1", "mobilenet_v2", "shufflenet_v2_x1_0",
         "efficientnet_b0", "mnasnet1_0", "regnet_y_400mf"]


def _step_fn(model, x, y, channels_last: bool):
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--models", default=",".join(PAIRS))
    args = p.parse_args()
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"device: {name}; torch {torch.__version__}; batch {args.batch} at {args.size}x{args.size}; "
          f"{args.steps} steps x {args.rounds} rounds; channels_last={args.channels_last}")
    print(f"{'model':<22}{'cnnlib img/s':>14}{'torchvision img/s':>19}{'ratio':>8}")
    torch.manual_seed(0)
    ratios = []
    for pair in args.models.split(","):
        ours_name, _, tv_name = pair.partition(":")
        tv_name = tv_name or ours_name
        ours = cnnlib.get_model(ours_name, num_classes=10).to(device).train()
        theirs = getattr(torchvision.models, tv_name)(weights=None, num_classes=10).to(device).train()
        x = torch.randn(args.batch, 3, args.size, args.size, device=device)
        y = torch.randint(0, 10, (args.batch,), device=device)
        steps = {"ours": _step_fn(ours, x, y, args.channels_last),
                 "theirs": _step_fn(theirs, x, y, args.channels_last)}
        for fn in steps.values():  # warm-up
            fn()
        times = {"ours": [], "theirs": []}
        for _ in range(args.rounds):
            for key, fn in steps.items():
                _sync(device)
                t0 = time.perf_counter()
                for _ in range(args.steps):
                    fn()
                _sync(device)
                times[key].append(time.perf_counter() - t0)
        rate = {k: args.batch * args.steps / statistics.median(v) for k, v in times.items()}
        ratio = rate["ours"] / rate["theirs"]
        ratios.append(ratio)
        print(f"{ours_name:<22}{rate['ours']:>14.1f}{rate['theirs']:>19.1f}{ratio:>8.2f}")
    geo = statistics.geometric_mean(ratios)
    print(f"geometric mean ratio: {geo:.2f}; min {min(ratios):.2f}")


if __name__ == "__main__":
    main()
