"""Resume points of long trainings, carried between machines with the repository (mfw_fastai.resume).

    python bench/resume_points.py save    --runs-dir ~/mfw-paper-runs   # at a stop: copy every unfinished run's point
                                                                         # into bench/results/resume/ and every finished
                                                                         # run's small files into bench/results/runs/
                                                                         # (its point goes), then commit both
    python bench/resume_points.py restore --runs-dir ~/mfw-paper-runs   # on another machine (bench/reproduce.py does
                                                                         # this by itself before it resumes a run)
    python bench/resume_points.py list                                  # what the repository holds

A point is the run's checkpoint (weights, optimizer, random states, history, records, settings; 3.8 MB for a ResNet-32),
its config.json and status.json, and point.json (epochs done, when, where, which CPU, the code's commit).
"""
import argparse, json, sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent))
sys.path.insert(0, str(here))
from mfw_fastai.resume import save_resume_points, restore_resume_points  # noqa: E402
import reproduce  # noqa: E402

POINTS = here/'results'/'resume'


def record_finished(runs_dir)->list:
    """Record every finished run under `runs_dir` in bench/results/runs/ (`reproduce.record`: its small files, no weights),
    whichever checkout's queue trained it: `save` drops a finished run's point, so without its record a fresh clone would
    have nothing of it"""
    done = []
    for st in sorted(Path(runs_dir).glob('**/status.json')):
        d = st.parent
        try: complete = json.loads(st.read_text()).get('state') == 'complete'
        except (OSError, json.JSONDecodeError): complete = False
        if complete and (d/'results.json').exists(): reproduce.record(d); done.append(d)
    return done


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('action', choices=['save', 'restore', 'list'])
    p.add_argument('--runs-dir', default=str(Path.home()/'mfw-paper-runs'), help="folder of run folders (searched recursively)")
    p.add_argument('--points', default=str(POINTS), help="folder of resume points (default: this repository's bench/results/resume)")
    a = p.parse_args(argv)
    if a.action == 'save':
        for d in record_finished(a.runs_dir): print(f"recorded {d.name}: finished, its small files in {reproduce.RECORD/d.name}")
        for d in save_resume_points(a.runs_dir, a.points):
            pt = json.loads((d/'point.json').read_text())
            print(f"saved {d.name}: {pt['epochs_done']} of {pt['n_epoch']} epochs")
    elif a.action == 'restore':
        for r in restore_resume_points(a.points, a.runs_dir): print(f"restored {r}")
    else:
        for d in sorted(Path(a.points).glob('*/point.json')):
            pt = json.loads(d.read_text())
            print(f"{pt['run']}: {pt['epochs_done']} of {pt['n_epoch']} epochs, saved {pt['saved']} on {pt['host']} ({pt['cpu']}), code {pt['code']}")


if __name__ == '__main__': main()
