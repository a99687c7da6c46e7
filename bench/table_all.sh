#!/usr/bin/env bash
# Everything issue 19's table needs, in the order that gives results soonest; resumable: run it again after a stop and
# every finished training is reused, every stopped one resumes from its last finished epoch. Two trainings at a time.
#   bash bench/table_all.sh [RUNS_DIR]      (default ~/mfw-bench-runs; run folders with checkpoints go there)
# Finished trainings' small files land in bench/results/runs/ and the tunings in bench/results/tune/: commit them.
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-$HOME/mfw-bench-runs}
step() { echo "== $(date -u +%F' '%T) $*"; python bench/reproduce.py "$@" --runs-dir "$R"; }
step drw-study                                  # why MFW + DRW fell below MFW (step rho=100)
step tune --only exp200                         # the cheapest setting first: its tuning and its test-set alpha check
step alpha-check --only exp200                  # (checks both choice rules on a setting neither was looked at on)
step table --only exp200                        # then its whole row (the MFW run at the tuned alpha is the check's own)
step table --methods erm --seeds 0              # ERM needs no alpha
for x in exp10 step10 step100 step200; do        # then setting by setting, so that every stop leaves complete rows:
  step tune --only $x                           #   mfw-tune: alpha in {0.5, 1, 2, 5} on the held-out split
  step table --seeds 0 --only $x                #   MFW and MFW + DRW at seed 0, alpha by the held-out loss (mfw-tune's default)
done
# both criteria's alphas in one invocation, so that two trainings always run side by side (one where the criteria agree)
step table --seeds 0 --criterion loss accuracy  # what is left at seed 0 (MFW + DRW at long-tailed rho = 100, alpha 5 and 1)
step table                                      # seeds 1 and 2 at rho = 100, and for ERM and MFW at long-tailed rho = 10
step alpha-check --only exp10                   # the test-set check of long-tailed rho=10, where MFW at the chosen alpha fell short of ERM
step table --criterion loss accuracy            # seeds 1 and 2 of the held-out accuracy's alpha where it differs (long-tailed rho = 100)
python bench/table1.py > /dev/null && python bench/drw_study.py > /dev/null
echo "== $(date -u +%F' '%T) done: bench/results/table1-cpu.md, bench/results/drw-study-cpu.md"
