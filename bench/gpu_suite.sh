#!/usr/bin/env bash
# One device call of the paper's full recipe (`python bench/reproduce.py gpu`): the trainings of one data set of it
# (SETTING = step100, step10, exp100 or exp10), for MINUTES minutes; a training in progress then stops at its last finished
# epoch (its checkpoint), and the next call goes on from there. Each data set needs several calls: at the ~7,000 images/s
# measured on one H100, 300 epochs (200 for ERM) of its 4 trainings take 36 (exp100) to 72 (step10) minutes.
#
# Here, once per data set (the training images it uses and 100 test images per class, lossless WebP, 26-51 MiB), and the
# wheels of fastai in .whl/ (see bench/gpu_run.sh):
#   python bench/carry_subset.py --kind step --rho 10 --n-max 5000 --n-valid 100 --webp --zip .gpu_data/cifar10.zip
# Before each call, the data set's run folders (without the weights of the finished ones):
#   python bench/gpu_runs.py pack step10 .gpu_runs/step10.zip
# The call (device tool): command "SETTING=step10 bash bench/gpu_suite.sh", carry [".whl", ".gpu_data", ".gpu_runs"].
# After it, on the zip that came back:  python bench/gpu_runs.py unpack <files_at>/step10-runs.zip
# When the data set's 4 trainings are complete, here: evaluate them on the whole test set and tabulate
#   python bench/reproduce.py gpu --only step10 --n-valid 100 --full-test
# A dry run on the CPU: SETTING=exp10 DEVICE=cpu TINY=1 OUT=/tmp/gpu-out bash bench/gpu_suite.sh
set -o pipefail
SETTING=${SETTING:?set SETTING to step100, step10, exp100 or exp10}
MINUTES=${MINUTES:-8}; DEVICE=${DEVICE:-cuda}; NVALID=${NVALID:-100}; OUT=${OUT:-bench/runs/gpu-out}; TINY=${TINY:+--tiny}
source bench/device_setup.sh
[ ! -f .gpu_runs/"$SETTING".zip ] || python3 bench/gpu_runs.py unpack .gpu_runs/"$SETTING".zip || exit 1
echo "== $SETTING: $MINUTES minutes of the gpu suite ($(date -u +%H:%M:%S))"
python3 bench/reproduce.py gpu --device "$DEVICE" --only "$SETTING" --n-valid "$NVALID" --minutes "$MINUTES" $TINY 2>&1 | grep -v -i warn
mkdir -p "$OUT"; python3 bench/gpu_runs.py pack "$SETTING" "$OUT/$SETTING-runs.zip" --all $TINY
cp bench/results/reproduce-gpu*-"$SETTING"-"$DEVICE"-*.md "$OUT/" 2>/dev/null
echo "== done ($(date -u +%H:%M:%S))"
