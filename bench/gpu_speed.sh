#!/usr/bin/env bash
# Issue 20's GPU checks in one device call (bench/gpu_speed.py): throughput (bare, reference, ours eager, ours captured,
# N concurrent captured trainings; once), then the paper's long-tailed rho=100 row (ERM 200 epochs, MFW and MFW + DRW 300,
# ResNet-32, all three at once, compiled) until MINUTES are up; the next call resumes the trainings where they stopped.
#
# Here, once: the data set's images and 100 test images per class, and fastai's wheels (see bench/gpu_run.sh):
#   python bench/carry_subset.py --kind exp --rho 100 --n-max 5000 --n-valid 100 --webp --zip .gpu_data/cifar10.zip
# Before each call, the run folders of earlier calls (none before the first):
#   python bench/gpu_runs.py pack exp100 .gpu_runs/exp100.zip
# The call (device tool): command "bash bench/gpu_speed.sh", carry [".whl", ".gpu_data", ".gpu_runs"], timeout_s 600.
# After it: python bench/gpu_runs.py unpack <files_at>/exp100-runs.zip; the results are <files_at>/throughput.json and
# progress.json. When the trainings are complete: python bench/reproduce.py gpu --only exp100 --n-valid 100 --full-test
# A dry run on the CPU: bash bench/gpu_speed_dryrun.sh
set -o pipefail
SETTING=${SETTING:-exp100}; MINUTES=${MINUTES:-8.5}; DEVICE=${DEVICE:-cuda}; OUT=${OUT:-bench/runs/gpu-speed-out}
TINY=${TINY:+--tiny}; EXTRA=${EXTRA:-}
mkdir -p "$OUT"
source bench/device_setup.sh
[ ! -f .gpu_runs/"$SETTING".zip ] || python3 bench/gpu_runs.py unpack .gpu_runs/"$SETTING".zip || exit 1
python3 bench/gpu_speed.py --device "$DEVICE" --setting "$SETTING" --minutes "$MINUTES" --out "$OUT" $TINY $EXTRA 2>&1 \
  | grep --line-buffered -v -i warn | tee "$OUT/gpu_speed.log"
python3 bench/gpu_runs.py pack "$SETTING" "$OUT/$SETTING-runs.zip" --all $TINY
