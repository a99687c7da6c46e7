#!/usr/bin/env bash
# A dry run, on this machine's CPU, of the way the gpu suite travels to and from device calls (bench/gpu_suite.sh), with
# tiny settings: a copy of the repository stands for the device machine (its own HOME, so the only data it sees is the
# carried WebP subset), two calls of 0.75 minutes each, then the whole-test-set evaluation here, and a check that the
# model trained "there" gives here, on the same 100 test images per class decoded from CIFAR's PNG files, the same
# validation loss as it did there (so the carried images, their selection and normalisation are the same).
#   bash bench/gpu_suite_dryrun.sh 2>&1 | tee bench/results/gpu-suite-dryrun-cpu-$(date +%F).txt
set -eo pipefail
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} PYTHONWARNINGS=ignore
source bench/dryrun_common.sh
dryrun_setup exp10
for call in 1 2; do
  echo "== call $call"
  dryrun_call_prep   # the runs packed; $T/dev a fresh machine that holds them
  (cd "$T/dev" && HOME="$T/home" SETTING=$S DEVICE=cpu TINY=1 OUT="$T/out" MINUTES=0.75 bash bench/gpu_suite.sh 2>&1 | grep -v '^|')
  python bench/gpu_runs.py unpack "$T/out/$S-runs.zip"
done
echo "== here: the whole test set"
python bench/reproduce.py gpu --tiny --only $S --n-valid 100 --full-test 2>&1 | grep -v -i warn | tail -12
python - <<'PY'
import json, glob
from mfw_fastai.cli import load_run
for d in sorted(glob.glob('bench/runs/gpu-tiny/exp10-*')):
    learn = load_run(d)
    with learn.no_bar(): here = learn.validate()[0]
    there = json.load(open(d + '/results.json'))['history'][-1]['valid_loss']
    print(f"{d}: validation loss there {there:.6f}, here {here:.6f}: {'same' if abs(here - there) <= 1e-4 * abs(there) else 'DIFFERENT'}")
    assert abs(here - there) <= 1e-4 * abs(there)
PY
rm -rf "$T"
