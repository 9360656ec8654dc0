"""Training throughput (images/s) of the fast CIFAR-10 recipe: fp32 vs mixed precision, eager vs compiled.

Runs ``cnnlib.train.fit`` with the ResNet-9 of ``cnnlib.experiments.fast_cifar10_recipe``
on synthetic CIFAR-shaped batches that already sit on the device, so data loading is not
measured. Each configuration trains two epochs of ``--steps`` steps: the first warms up
(cuDNN autotuning, ``torch.compile``'s compilation), the second is timed (the History's
``images_per_sec``). Mixed precision is bf16 autocast on CPU and bf16 (if supported) and
fp16 (with a gradient scaler) on CUDA.

    python benchmarks/train.py                          # full recipe settings on the device
    python benchmarks/train.py --device cpu --steps 3 --batch-size 32 --no-compile
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import torch

from cnnlib.experiments import fast_cifar10_recipe, resnet9
from cnnlib.train import fit, resolve_device, seed_everything

WIDTHS = {"full": (64, 128, 256, 512), "half": (32, 64, 128, 256), "quarter": (16, 32, 64, 128)}


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"cpu ({model}, {os.cpu_count()} cores, torch using {torch.get_num_threads()} threads)"


def measure(device: torch.device, precision: str, compile: bool, *, batch_size: int, steps: int,
            widths: tuple[int, ...], channels_last: bool) -> float:
    """Images per second of the second (timed) epoch."""
    seed_everything(0)
    model = resnet9(widths=widths)
    x = torch.randn(steps, batch_size, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (steps, batch_size), device=device)
    batches = [(x[i], y[i]) for i in range(steps)]
    recipe = fast_cifar10_recipe(device)["fit"]
    recipe.update(epochs=2, warmup_epochs=1, precision=precision, compile=compile,
                  channels_last=channels_last)
    history = fit(model, batches, device=device, progress=False, **recipe)
    return history.images_per_sec[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: 512 on a GPU (the recipe's), 32 on CPU")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed steps per configuration (default: 50 on a GPU, 3 on CPU)")
    parser.add_argument("--width", choices=sorted(WIDTHS), default="full",
                        help="ResNet-9 channel widths (default: full, 64-128-256-512)")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile runs")
    parser.add_argument("--precisions", default=None,
                        help="comma-separated subset of fp32,bf16,fp16 (default: all the device supports)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads for CPU runs")
    args = parser.parse_args(argv)

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    on_gpu = device.type in ("cuda", "mps")
    batch_size = args.batch_size or (512 if on_gpu else 32)
    steps = args.steps or (50 if on_gpu else 3)
    if batch_size < 1 or steps < 1:
        parser.error("--batch-size and --steps must be positive")
    if args.precisions:
        precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    elif device.type == "cuda":
        precisions = ["fp32", "fp16"] + (["bf16"] if torch.cuda.is_bf16_supported() else [])
    elif device.type == "mps":
        precisions = ["fp32", "fp16"]
    else:
        precisions = ["fp32", "bf16"]
    compiles = [False] if args.no_compile else [False, True]
    widths = WIDTHS[args.width]
    channels_last = device.type == "cuda"

    params = sum(p.numel() for p in resnet9(widths=widths).parameters())
    print(f"device: {device_name(device)}")
    print(f"torch {torch.__version__}, python {platform.python_version()}")
    if device.type == "cpu" and hasattr(os, "getloadavg"):
        # On a shared machine other processes take CPU time from these runs: say how busy it is.
        print(f"system load average (1 min) at start: {os.getloadavg()[0]:.1f}")
    print(f"model: resnet9 ({args.width} width {widths}, {params:,} params), recipe: SGD+Nesterov, "
          f"label smoothing 0.2, one-cycle, channels_last={channels_last}")
    print(f"synthetic 3x32x32 batches of {batch_size} on the device; {steps} warm-up + {steps} "
          "timed steps per configuration")
    print()
    print(f"{'precision':<10}{'mode':<10}{'images/s':>12}{'vs fp32 eager':>15}{'wall s':>9}")
    sys.stdout.flush()
    baseline = None
    for compile in compiles:
        for precision in precisions:
            t0 = time.perf_counter()
            try:
                rate = measure(device, precision, compile, batch_size=batch_size, steps=steps,
                               widths=widths, channels_last=channels_last)
            except Exception as err:  # report and go on: one failing mode should not hide the rest
                print(f"{precision:<10}{'compiled' if compile else 'eager':<10}  failed: "
                      f"{type(err).__name__}: {str(err).splitlines()[0][:100]}")
                continue
            wall = time.perf_counter() - t0
            if baseline is None and precision == "fp32" and not compile:
                baseline = rate
            ratio = f"{rate / baseline:.2f}x" if baseline else "-"
            mode = "compiled" if compile else "eager"
            print(f"{precision:<10}{mode:<10}{rate:>12.1f}{ratio:>15}{wall:>9.1f}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
