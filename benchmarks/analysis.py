"""summarize() vs a real forward pass under FlopCounterMode, same model, one run.

    python benchmarks/analysis.py [--model resnet152] [--size 224] [--repeats 5]

Prints the median time of each and the ratio (target: summarize >= 20x faster for ResNet-152
at 224, and under 0.1 s warm on a 2-core machine).
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

import cnnlib


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet152")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    model = cnnlib.get_model(args.model).eval()
    x = torch.randn(1, 3, args.size, args.size)
    summary = cnnlib.summarize(model, (3, args.size, args.size))  # warm-up

    def real_forward() -> int:
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(x)
        return counter.get_total_flops()

    flops = real_forward()  # warm-up, and the cross-check
    assert flops == summary.total_flops, (flops, summary.total_flops)
    t_summary = _median_seconds(lambda: cnnlib.summarize(model, (3, args.size, args.size)), args.repeats)
    t_forward = _median_seconds(real_forward, args.repeats)
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"model: {args.model} at {args.size}x{args.size}, {summary.total_params:,} params, "
          f"{summary.total_flops / 1e9:.2f} GFLOP (summarize == FlopCounterMode: yes)")
    print(f"summarize (meta device):          {t_summary * 1e3:8.1f} ms")
    print(f"forward under FlopCounterMode:    {t_forward * 1e3:8.1f} ms")
    print(f"ratio: summarize is {t_forward / t_summary:.1f}x faster")


if __name__ == "__main__":
    main()
