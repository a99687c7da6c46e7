"""A run stopped on one machine continues on another from the resume point the repository carries, to the same weights
as a run that never stopped (real processes, real CIFAR-10 at tiny settings; the two "machines" are two run folders,
the two "clones" two copies of the points folder)."""
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path

import pytest
import torch

from mfw_fastai.resume import save_resume_points, restore_resume_points

ARGS = ['--imbalance', 'step', '--rho', '10', '--n-max', '40', '--n-valid', '10', '--arch', 'resnet20', '--threads', '1', '--quiet',
        '--method', 'mfw', '--epochs', '8', '--eval-every', '4', '--deviation-every', '2']


def train(out, *extra, **kw):
    return subprocess.run([sys.executable, '-m', 'mfw_fastai', *ARGS, '--out', str(out), *extra], capture_output=True, text=True, **kw)


def epochs_done(run):
    try: return json.loads((run/'status.json').read_text()).get('epochs_done') or 0
    except (OSError, json.JSONDecodeError): return 0


def test_stop_move_resume_is_bit_exact(tmp_path):
    assert train(tmp_path/'ref').returncode == 0 # uninterrupted
    m1 = tmp_path/'machine1'/'runs'/'run'
    p = subprocess.Popen([sys.executable, '-m', 'mfw_fastai', *ARGS, '--out', str(m1), '--keep-checkpoint', '2'], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)) # as a terminal starts it: a background job (CI's) ignores SIGINT
    t0 = time.time()
    while epochs_done(m1) < 3:
        if p.poll() is not None or time.time() - t0 > 300: pytest.fail('the run ended before it could be stopped')
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGINT); p.wait(120)
    stopped_at = torch.load(m1/'checkpoint.pth', weights_only=True)['epoch'] + 1
    assert 3 <= stopped_at < 8 and not (m1/'results.json').exists()
    # the stop: save the point into clone 1's folder; commit and clone carry it to clone 2 (here: a copy)
    clone1, clone2 = tmp_path/'clone1'/'bench'/'results'/'resume', tmp_path/'clone2'/'bench'/'results'/'resume'
    assert [d.name for d in save_resume_points(m1.parent, clone1)] == ['run']
    # what the commit carries: no file of a resume point may be git-ignored (a *.pth rule once dropped the checkpoint)
    root = Path(__file__).resolve().parents[1]
    if (root/'.git').exists():
        for f in sorted((clone1/'run').iterdir()):
            r = subprocess.run(['git', '-C', str(root), 'check-ignore', '-q', f"bench/results/resume/run/{f.name}"])
            assert r.returncode == 1, f"{f.name} of a resume point is git-ignored: it would not reach the next machine"
    shutil.copytree(clone1, clone2)
    point = json.loads((clone2/'run'/'point.json').read_text())
    assert point['epochs_done'] == stopped_at and point['n_epoch'] == 8
    # machine 2: nothing there but the clone; restore, then the same command with --resume
    m2 = tmp_path/'machine2'/'runs'
    assert restore_resume_points(clone2, m2) == [m2/'run']
    # the copy kept after epoch 2 (for a run that would start from it) travels with the point
    assert (m2/'run'/'checkpoint-e2.pth').read_bytes() == (m1/'checkpoint-e2.pth').read_bytes()
    r = train(m2/'run', '--resume')
    assert r.returncode == 0, r.stderr
    a, b = (torch.load(d/'model.pth', weights_only=True) for d in (tmp_path/'ref', m2/'run'))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    ra, rb = (json.loads((d/'results.json').read_text()) for d in (tmp_path/'ref', m2/'run'))
    assert ra['history'] == rb['history'] and ra['per_class_accuracy'] == rb['per_class_accuracy']
    assert rb['resumed_from_epoch'] == stopped_at
    # the deviation recorded along the epochs (every 2) survives the move: the same rows as the uninterrupted run's
    assert (tmp_path/'ref'/'deviation.csv').read_text() == (m2/'run'/'deviation.csv').read_text()
    # a finished run has no point any more
    assert save_resume_points(m2, clone2) == [] and not (clone2/'run').exists()


def test_save_records_a_finished_run_before_dropping_its_point(tmp_path, monkeypatch):
    "A run that finished in the queue's folder: `resume_points.py save` puts its small files in bench/results/runs/ and drops its point"
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root/'bench'))
    import reproduce, resume_points
    runs, points, record = tmp_path/'runs', tmp_path/'resume', tmp_path/'record'
    monkeypatch.setattr(reproduce, 'RECORD', record); monkeypatch.setattr(reproduce, 'POINTS', points)
    a, b = runs/'paper'/'finished', runs/'paper'/'stopped'
    assert train(a, '--epochs', '2').returncode == 0
    assert save_resume_points(runs, points) == [] # finished: no point
    (points/'finished').mkdir(parents=True); (points/'finished'/'point.json').write_text('{}') # a point left from before it finished
    p = train(b, '--epochs', '2', timeout=600)
    assert p.returncode == 0
    st = json.loads((b/'status.json').read_text()); (b/'status.json').write_text(json.dumps(dict(st, state='interrupted'))) # as if stopped
    resume_points.main(['save', '--runs-dir', str(runs), '--points', str(points)])
    assert sorted(f.name for f in (record/'finished').iterdir()) == sorted(f for f in reproduce.KEEP if (a/f).exists())
    assert json.loads((record/'finished'/'results.json').read_text()) == json.loads((a/'results.json').read_text())
    assert not (points/'finished').exists() and not (record/'stopped').exists()
