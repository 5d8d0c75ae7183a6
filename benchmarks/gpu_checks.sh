#!/bin/bash
# The GPU checks, as one prepared run on a CUDA machine (CI has no GPU):
#   1. the CUDA tests (tests/test_gpu.py, and test_precision.py's 16-mixed / bf16 fits);
#   2. the per-update cost ratio of stage 2 against a plain OvA update (benchmarks/step_cost.py)
#      on digits (batch 64) and Fashion-MNIST (batch 128 and 256);
#   3. images/s of both stages at every precision, eager and compiled (benchmarks/precision.py).
# Usage: bash benchmarks/gpu_checks.sh [OUTDIR]   (default outputs/gpu; the log is OUTDIR/gpu_checks.log)
# Without skorch installed, wheels in .whl/ are installed to /tmp/site; Fashion-MNIST files in .devdata/
# are copied to the Debian location when that is absent (for machines without network access).
out=${1:-outputs/gpu}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
if ! python3 -c "import skorch" 2>/dev/null && [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
fi
if [ -d .devdata ] && [ ! -d /usr/share/datasets/fashion-mnist ]; then
  mkdir -p /usr/share/datasets/fashion-mnist && cp .devdata/*.gz /usr/share/datasets/fashion-mnist/
fi
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import torch, gan_ova; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0))"
  timeout 180 python3 -m pytest -q -p no:cacheprovider tests/test_gpu.py tests/test_precision.py -k "cuda or gpu or test_gpu"
  for args in "--dataset digits" "--dataset fashion --batch-size 128" "--dataset fashion --batch-size 256"; do
    timeout 90 python3 benchmarks/step_cost.py $args --device cuda
  done
  timeout 200 python3 benchmarks/precision.py --device cuda --quick --time-limit 120 --json "$out/precision.json"
} 2>&1 | tee "$out/gpu_checks.log"
