#!/usr/bin/env bash
# The GPU checks, as one script for a lent GPU machine whose python3 already has torch,
# torchvision, pytest and scikit-learn (cnnlib runs from the source tree). Each phase has its
# own time limit so one slow phase cannot hide the others; logs go to $OUT (or ./device-out).
# PHASES picks the phases (default: all but sizes, which alone takes most of a 10-minute call):
#
#     bash benchmarks/device_check.sh                    # cuda train models
#     PHASES=sizes bash benchmarks/device_check.sh       # every experiment's GPU size, timed
set -u
PHASES=" ${PHASES:-cuda train models} "
OUT=${OUT:-device-out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 MPLBACKEND=Agg
PY=${PY:-python3}
{
  date -u
  nvidia-smi -L
  $PY -c "import sys, torch, torchvision; print('python', sys.version.split()[0], 'torch', torch.__version__, 'torchvision', torchvision.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))"
} 2>&1 | tee "$OUT/env.txt"
if [[ $PHASES == *" cuda "* ]]; then
  echo "== tests/test_cuda.py"
  timeout 300 $PY -m pytest tests/test_cuda.py -q -p no:cacheprovider -rfEs 2>&1 | tee "$OUT/test_cuda.txt" | tail -25
fi
if [[ $PHASES == *" train "* ]]; then
  echo "== benchmarks/train.py (ResNet-9 fast CIFAR-10 recipe, synthetic batches of 512)"
  timeout 150 $PY benchmarks/train.py --device cuda 2>&1 | tee "$OUT/train.txt"
fi
if [[ $PHASES == *" models "* ]]; then
  echo "== benchmarks/models.py (training step, cnnlib vs torchvision, batch 64 at 224, channels_last, fp32)"
  timeout 90 $PY benchmarks/models.py --device cuda --batch 64 --size 224 --steps 5 --rounds 3 --channels-last 2>&1 | tee "$OUT/models.txt"
fi
if [[ $PHASES == *" sizes "* ]]; then
  echo "== benchmarks/experiment_sizes.py (each gpu-size experiment on synthetic CIFAR-10/MNIST of the true size)"
  timeout 330 $PY benchmarks/experiment_sizes.py --device cuda --json "$OUT/experiment_sizes.json" 2>&1 | tee "$OUT/experiment_sizes.txt"
  echo "== the same on 2 CPU cores (a Colab session's), both loaders, three experiments"
  timeout 200 $PY benchmarks/experiment_sizes.py --device cuda --cores 2 --loaders device workers \
    --experiments degradation activation_comparison train_fast --json "$OUT/experiment_sizes_2cores.json" 2>&1 \
    | tee "$OUT/experiment_sizes_2cores.txt"
fi
