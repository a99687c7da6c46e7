#!/usr/bin/env bash
# The GPU checks of the benchmarks in one go (about 8 minutes on one H100):
#   1. bench/throughput.py --device cuda on long-tailed CIFAR-10, rho=100 (bare, reference, erm, mfw; their ratios)
#   2. a full 200-epoch ResNet-32 MFW run on long-tailed CIFAR-10, rho=100 (12,406 images), timed by mfw-train
#
# On a machine without the data or without fastai, first, on a machine that has them:
#   python bench/carry_subset.py --kind exp --rho 100 --webp --zip .gpu_data/cifar10.zip  # the 22,406 images used, one file
#   pip download --no-deps -d .whl fastai==2.8.12 fastcore fasttransform plum-dispatch beartype fastprogress==1.0.3 fastdownload
# then run `bash bench/gpu_run.sh` there. Results and logs go to $OUT (default bench/runs/gpu-check).
# A dry run of the same steps on the CPU: DEVICE=cpu EPOCHS=1 NB=3 REPEATS=1 EXTRA="--n-max 100 --n-valid 10 --threads 1" bash bench/gpu_run.sh
set -o pipefail
OUT=${OUT:-bench/runs/gpu-check}; mkdir -p "$OUT"
DEVICE=${DEVICE:-cuda}; EPOCHS=${EPOCHS:-200}; NB=${NB:-200}; REPEATS=${REPEATS:-3}; EXTRA=${EXTRA:-}
source bench/device_setup.sh

echo "== throughput ($(date -u +%H:%M:%S))"
timeout 150 python3 bench/throughput.py --device "$DEVICE" --kind exp --n-batches "$NB" --workers 4 --repeats "$REPEATS" 2>&1 \
  | grep -v -i warn | tee "$OUT/throughput.log"
cp bench/results/throughput-"$DEVICE"-*.json "$OUT/" 2>/dev/null

echo "== $EPOCHS-epoch ResNet-32 MFW, long-tailed CIFAR-10 rho=100 ($(date -u +%H:%M:%S))"
run=/tmp/lt100-mfw-resnet32-e$EPOCHS
timeout 400 python3 -m mfw_fastai --method mfw --imbalance exp --rho 100 --n-max 5000 --arch resnet32 --epochs "$EPOCHS" --eval-every 20 \
  --quiet --force --out "$run" $EXTRA 2>&1 | grep -v -i warn | tail -30 | tee "$OUT/lt100-run.log"
for f in config.json results.json status.json per_class.csv; do cp "$run/$f" "$OUT/lt100-$f" 2>/dev/null; done
python3 - "$run" <<'EOF'
import json, sys
from pathlib import Path
d = Path(sys.argv[1])
st = json.loads((d/'status.json').read_text()) if (d/'status.json').exists() else {}
if (d/'results.json').exists():
    r = json.loads((d/'results.json').read_text())
    print(f"state {st.get('state')}: accuracy {100*r['accuracy']:.2f}%, {r['seconds']:.0f} s in all, {r['images_per_second']:.0f} training images/s")
    print('per class %:', [round(100*v, 1) for v in r['per_class_accuracy']])
else: print('no results; status:', st)
EOF
echo "== done ($(date -u +%H:%M:%S))"
