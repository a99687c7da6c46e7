#!/usr/bin/env bash
# A dry run of bench/gpu_speed.sh on this machine's CPU, with tiny settings, as bench/gpu_suite_dryrun.sh does for the
# gpu suite: a copy of the repository stands for the device machine (its own HOME: the only data it sees is the carried
# WebP subset), two calls, the run folders travelling between them as zips; the first call measures throughput and stops
# the trainings at its time limit, the second skips throughput and resumes them (from their checkpoints) to the end.
#   bash bench/gpu_speed_dryrun.sh 2>&1 | tee bench/results/gpu-speed-dryrun-cpu-$(date +%F).txt
set -eo pipefail
export PYTHONWARNINGS=ignore
source bench/dryrun_common.sh
dryrun_setup exp100
for call in 1 2; do
  echo "== call $call"
  dryrun_call_prep   # the runs packed; $T/dev a fresh machine that holds them
  [ $call = 1 ] && M=${MINUTES1:-7} || M=${MINUTES2:-8}   # call 1 ends inside the trainings, call 2 finishes them
  (cd "$T/dev" && HOME="$T/home" DEVICE=cpu TINY=1 OUT="$T/out" MINUTES=$M \
     EXTRA="--epochs 12 --nb 3 --concurrent 2 --throughput-minutes 5 --jobs 3" bash bench/gpu_speed.sh)
  ls "$T/out"
  python bench/gpu_runs.py unpack "$T/out/$S-runs.zip"
  python - "$T/out" <<'PY'
import json, sys
p = json.load(open(sys.argv[1] + '/progress.json'))
print('progress:', [(r['method'], r['how'], r['state'], r['epochs_done']) for r in p['runs']])
open(sys.argv[1] + '/../how.txt', 'a').write(' '.join(r['how'].replace(' ', '_') for r in p['runs']) + '\n')
PY
done
python - "$T/how.txt" <<'PY'
import json, glob, sys
assert 'resumed_after' in open(sys.argv[1]).read().split('\n')[1], 'no training was resumed from a checkpoint in call 2'
runs = sorted(glob.glob('bench/runs/gpu-tiny/exp100-*-e*'))
states = {d: json.load(open(d + '/status.json'))['state'] for d in runs}
print(states)
assert len(runs) == 3 and all(s == 'complete' for s in states.values()), states
assert json.load(open(glob.glob('bench/runs/gpu-tiny/exp100-throughput/throughput.json')[0]))['concurrent'] > 0
print('dry run: throughput measured once; the 3 trainings stopped in call 1 and went on to completion in call 2:', open(sys.argv[1]).read().split('\n')[1])
PY
rm -rf "$T"
