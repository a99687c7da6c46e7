#!/usr/bin/env bash
# A training stopped in one clone of the repository, its resume point committed and pushed, and the same command in a
# fresh clone (another run folder: another machine) finishing it; its final weights against a run that never stopped.
#   bash bench/resume_demo.sh            (about 10 minutes on 2 cores; prints a report, saved by the caller)
# Runs on what is committed: the clones are made from this repository's HEAD.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
git clone -q --bare "$repo" "$W/remote.git"                   # stands in for the shared repository
cmd=(python bench/reproduce.py resume-demo --jobs 1)
name=step10-mfw-a5-resnet20-e8-s0
st() { python -c "import json,sys; print(json.load(open(sys.argv[1])).get('$2'))" "$1"; }
done_epochs() { grep -o '"epochs_done": [0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' || echo 0; }

echo "== reference: clone 3, the same command, never stopped"
git clone -q "$W/remote.git" "$W/clone3"
(cd "$W/clone3" && "${cmd[@]}" --runs-dir "$W/machine3" > "$W/ref.log")

echo "== clone 1 (machine 1): start, stop with SIGTERM (what kill, a scheduler or a shutdown sends) after 3 finished epochs, save the resume point, commit, push"
git clone -q "$W/remote.git" "$W/clone1"
cd "$W/clone1"
setsid "${cmd[@]}" --runs-dir "$W/machine1" > "$W/m1.log" 2>&1 & pid=$!
run1="$W/machine1/resume-demo/$name"
until [ "$(done_epochs "$run1/status.json")" -ge 3 ]; do sleep 0.1; done
# SIGTERM, not SIGINT: a script's background job starts with SIGINT ignored (POSIX), and the training honours that as
# nohup'd programs do; a terminal's Ctrl-C reaches a foreground run, and tests/test_stop_lock.py tests both signals
kill -TERM $pid; rc=0; wait $pid || rc=$?
echo "exit code $rc; status: $(st "$run1/status.json" state), $(st "$run1/status.json" epochs_done) epochs done"
python bench/resume_points.py save --runs-dir "$W/machine1"
git add bench/results/resume && git -c user.name=demo -c user.email=demo@localhost commit -qm "resume point" && git push -q origin HEAD:main
echo "committed: $(git show --name-only --format= HEAD | grep -c "bench/results/resume/$name/") files ($(git show --name-only --format= HEAD | xargs -n1 basename | tr '\n' ' ')), $(du -sh bench/results/resume/$name | cut -f1)"

echo "== clone 2 (machine 2): a fresh clone, the same command"
git clone -q "$W/remote.git" "$W/clone2"
cd "$W/clone2"
"${cmd[@]}" --runs-dir "$W/machine2" | grep -E "restored|%" || true
python - "$W/machine2/resume-demo/$name" "$W/machine3/resume-demo/$name" <<'PY'
import json, sys, torch
from pathlib import Path
a, b = (Path(p) for p in sys.argv[1:])
ma, mb = (torch.load(p/'model.pth', weights_only=True) for p in (a, b))
same = all(torch.equal(ma[k], mb[k]) for k in ma) and ma.keys() == mb.keys()
ra, rb = (json.loads((p/'results.json').read_text()) for p in (a, b))
print(f"resumed from epoch {ra.get('resumed_from_epoch')} of 8; final weights bit-identical to the run that never stopped: {same}; "
      f"test accuracy {100*ra['accuracy']:.2f}% and {100*rb['accuracy']:.2f}%; deviation records identical: "
      f"{(a/'deviation.csv').read_text() == (b/'deviation.csv').read_text()}")
PY
echo "clone 2's repository after the finished run: resume point removed: $([ -e bench/results/resume/$name ] && echo no || echo yes)"
