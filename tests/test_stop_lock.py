"""Long runs a person can trust, with real processes: SIGINT / SIGTERM to `mfw-tune`, `mfw-train` and `bench/reproduce.py`
stop every training at its last finished epoch and a rerun resumes it; children of a tuner killed with SIGKILL stop by
themselves; a run killed outright reads as interrupted; one writer per run folder. Signals go to the parent only, as a
terminal's Ctrl-C reaches a process group that the children are not in. Data: 4 classes of 8×8 PNGs (seconds per run)."""
import json, os, signal, subprocess, sys, time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mfw_fastai.jobs import lock_holder, lock_name, run_state

root = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    "train/c0..c3 with 40 images each (step imbalance, rho 2: 40, 40, 20, 20 used), test/ with 4 each"
    d, rng = tmp_path_factory.mktemp('data'), np.random.default_rng(0)
    for split, n in (('train', 40), ('test', 4)):
        for c in range(4):
            (d/split/f"c{c}").mkdir(parents=True)
            for i in range(n): Image.fromarray((rng.integers(0, 128, (8, 8, 3)) + 32*c).astype(np.uint8)).save(d/split/f"c{c}"/f"{i}.png")
    return d


def train_args(data, epochs):
    return ['--dataset', str(data), '--imbalance', 'step', '--rho', '2', '--arch', 'resnet20', '--bs', '16', '--epochs', str(epochs)]


def start(cmd, log):
    "`cmd` in a session of its own with SIGINT at its default, as a terminal starts it: a signal sent to it reaches it alone"
    return subprocess.Popen(cmd, stdout=open(log, 'w'), stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=root,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_until(cond, p=None, what='', timeout=300):
    t = time.time()
    while not cond():
        if p is not None and p.poll() is not None: pytest.fail(f"ended (rc {p.returncode}) before {what}:\n{p.stderr.read()}")
        if time.time() - t > timeout: pytest.fail(f"{timeout} s without {what}")
        time.sleep(0.1)


def status(d): return json.loads((d/'status.json').read_text())


def alive(pid):
    "Whether process `pid` runs (a zombie waiting for its parent does not)"
    try: return Path(f"/proc/{pid}/stat").read_text().rsplit(')', 1)[1].split()[0] != 'Z'
    except (FileNotFoundError, IndexError): return False


def gated(entry, args, go, log=None):
    """A process that imports `entry` ('module:function'), makes the file `go`.<pid>, waits for the file `go`, then runs
    `function(args)`: its start-up (seconds of imports) is over when it is let go. Its output goes to `log` if given"""
    m, f = entry.split(':')
    code = (f"import os, sys, time\nfrom {m} import {f}\nopen(f'{go}.{{os.getpid()}}', 'w').close()\n"
            f"while not os.path.exists({str(go)!r}): time.sleep(0.02)\n{f}(sys.argv[1:])")
    p = subprocess.Popen([sys.executable, '-u', '-c', code, *args], stdout=subprocess.PIPE if log is None else open(log, 'w'),
                         stderr=subprocess.PIPE, text=True, cwd=root)
    wait_until(lambda: Path(f"{go}.{p.pid}").exists(), p, 'its imports')
    return p


def held_by(folders):
    "Who holds each folder's lock, with its command line (for a failure message)"
    def cmd(pid):
        try: return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b'\0', b' ').decode()[:200]
        except (OSError, TypeError): return '?'
    return {f.name: (h, cmd(h)) for f in folders for h in [lock_holder(f)] if h is not None}


def tune_cmd(data, out, alphas, epochs):
    return ['mfw-tune', '--out', str(out), '--alphas', *alphas, '--jobs', '2', '--threads', '1', '--quiet', *train_args(data, epochs)]


def check_resumed(cands, done, epochs):
    for c, n in zip(cands, done):
        res = json.loads((c/'results.json').read_text())
        assert n <= res['resumed_from_epoch'] <= n + 1 and len(res['history']) == epochs, (c, n, res.get('resumed_from_epoch'))
        assert status(c)['state'] == 'complete' and lock_holder(c) is None and not (c/lock_name).exists()


def stop_tune(p, sig, cands, epochs, holders):
    "Send `sig` to the tuner `p` alone; it must end with 128 + sig soon, its running candidates 'interrupted', their processes gone"
    t = time.time(); os.kill(p.pid, sig)
    err = p.communicate(timeout=180)[1]
    assert p.returncode == 128 + sig, err
    assert time.time() - t < 60  # an epoch takes well under a second here: a prompt stop, no grace ran out
    for c in cands:
        st = status(c)
        assert st['state'] == 'interrupted' and 0 < st['epochs_done'] < epochs and 'SIGINT' in st['message'], st  # each child got one SIGINT
        assert not (c/'results.json').exists() and lock_holder(c) is None
    assert not any(map(alive, holders))
    assert f"stopped by {signal.Signals(sig).name}: candidates {', '.join(c.name for c in cands)} interrupted at their last finished epoch" in err, err
    assert 'run the same command again' in err
    return [status(c)['epochs_done'] for c in cands]


def test_tune_stops_on_sigint_and_sigterm_and_reruns_resume(data, tmp_path):
    out, epochs = tmp_path/'tune', 15
    cands = [out/'a1-g2-s0', out/'a2-g2-s0']
    # Ctrl-C: 3 candidates, 2 at a time, so that one is queued when the signal comes
    p = start(tune_cmd(data, out, ['1', '2', '5'], epochs), tmp_path/'log')
    wait_until(lambda: all((c/'checkpoint.pth').exists() for c in cands), p, 'both running candidates finished an epoch')
    holders = [lock_holder(c) for c in cands]
    assert all(holders) and p.pid not in holders and len(set(holders)) == 2  # each trained by a child of its own
    done = stop_tune(p, signal.SIGINT, cands, epochs, holders)
    assert not (out/'a5-g2-s0').exists()  # queued: never started
    # the same for the two, resumed, with SIGTERM once both have gone on by an epoch
    p = start(tune_cmd(data, out, ['1', '2'], epochs), tmp_path/'log2')
    wait_until(lambda: all(status(c)['state'] == 'running' and status(c).get('epochs_done', 0) > n for c, n in zip(cands, done)), p,
               'both candidates resumed and trained an epoch')
    holders = [lock_holder(c) for c in cands]
    done2 = stop_tune(p, signal.SIGTERM, cands, epochs, holders)
    assert all(n2 > n for n, n2 in zip(done, done2))
    r = subprocess.run(tune_cmd(data, out, ['1', '2'], epochs), capture_output=True, text=True, timeout=600, cwd=root)
    assert r.returncode == 0, r.stderr
    check_resumed(cands, done2, epochs)
    assert json.loads((out/'tuned.json').read_text())['alpha'] in (1., 2.)


def test_train_stops_on_sigterm_and_resumes(data, tmp_path):
    "SIGTERM as Ctrl-C (tests/test_cli.py sends mfw-train the SIGINT): exit 143, 'interrupted', resumed"
    sig, run, epochs = signal.SIGTERM, tmp_path/'run', 12
    cmd = ['mfw-train', *train_args(data, epochs), '--threads', '1', '--quiet', '--out', str(run)]
    p = start(cmd, tmp_path/'log')
    wait_until(lambda: (run/'checkpoint.pth').exists(), p, 'an epoch')
    assert lock_holder(run) == p.pid
    os.kill(p.pid, sig)
    err = p.communicate(timeout=60)[1]
    assert p.returncode == 128 + sig and f"stopped by {signal.Signals(sig).name}" in err and 'continue with --resume' in err, err
    st = status(run)
    assert st['state'] == 'interrupted' and signal.Signals(sig).name in st['message'] and 0 < st['epochs_done'] < epochs
    assert lock_holder(run) is None and not (run/lock_name).exists()  # let go on the way out
    r = subprocess.run(cmd + ['--resume'], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    check_resumed([run], [st['epochs_done']], epochs)


def test_killed_tuner_children_stop_by_themselves(data, tmp_path):
    """The tuner killed with SIGKILL: its children get SIGTERM from the kernel and stop cleanly; one child killed outright
    leaves 'running' in its status, read as interrupted since no process holds its folder (a rerun resumes both: the
    test above shows the rerun; resuming a run killed outright, tests/test_cli.py)"""
    out, epochs = tmp_path/'tune', 15
    cands = [out/'a1-g2-s0', out/'a5-g2-s0']
    p = start(tune_cmd(data, out, ['1', '5'], epochs), tmp_path/'log')
    wait_until(lambda: all((c/'checkpoint.pth').exists() and status(c).get('epochs_done') for c in cands), p, 'both candidates finished an epoch')
    holders = [lock_holder(c) for c in cands]
    os.kill(holders[0], signal.SIGKILL)  # the first child, outright: it can say nothing
    os.kill(p.pid, signal.SIGKILL); p.wait()  # the tuner: no handler can run; the kernel sends its children SIGTERM (PR_SET_PDEATHSIG)
    wait_until(lambda: not any(map(alive, holders)), what='the children to end', timeout=60)
    # under load a process the tuner started just before it died may still be on its way out: wait for the folders' locks
    wait_until(lambda: all(lock_holder(c) is None for c in cands), what=f"the locks to be free (held by {held_by(cands)})", timeout=120)
    killed, stopped = status(cands[0]), status(cands[1])
    assert killed['state'] == 'running' and run_state(cands[0]) == 'interrupted' and lock_holder(cands[0]) is None
    assert stopped['state'] == 'interrupted' and 'SIGTERM' in stopped['message'] and 0 < stopped['epochs_done'] < epochs, stopped
    assert run_state(cands[1]) == 'interrupted' and lock_holder(cands[1]) is None


def test_second_writer_refused_first_finishes(data, tmp_path):
    run, epochs, go = tmp_path/'run', 15, tmp_path/'go'
    args = [*train_args(data, epochs), '--threads', '1', '--quiet', '--out', str(run)]
    # a second and a third writer, started alongside: one would resume the run, the other overwrite it
    bs = [gated('mfw_fastai.cli:mfw_train', args + [o], go) for o in ('--resume', '--force')]  # ready, waiting for `go`
    a = start(['mfw-train', *args], tmp_path/'a.log')
    wait_until(lambda: (run/'checkpoint.pth').exists(), a, 'the first writer to train an epoch')
    assert lock_holder(run) == a.pid
    a.send_signal(signal.SIGSTOP)  # the first writer paused, lock held: however slow the machine, it is still training when the others try
    go.touch()
    for b in bs:
        err = b.communicate(timeout=300)[1]
        assert b.returncode == 2, err
        assert err.strip() == (f"mfw-train: error: Run folder {run} is locked by process {a.pid}, which is training in it: "
                               "one writer per run folder; wait for it to end or stop it")
    assert a.poll() is None, 'the first writer ended before the others were refused'
    a.send_signal(signal.SIGCONT)
    a.communicate(timeout=300)
    assert a.returncode == 0
    res = json.loads((run/'results.json').read_text())
    assert len(res['history']) == epochs and 'resumed_from_epoch' not in res and status(run)['state'] == 'complete'
    assert sorted(f.name for f in run.iterdir()) == ['config.json', 'history.csv', 'model.pth', 'per_class.csv', 'results.json', 'status.json']


def test_tuner_waits_for_a_candidate_another_process_trains(data, tmp_path):
    out, epochs, go = tmp_path/'tune', 15, tmp_path/'go'
    cmd = [c for c in tune_cmd(data, out, ['1'], epochs) if c != '--quiet']
    cand = out/'a1-g2-s0'
    log2 = tmp_path/'second.log'
    second = gated('mfw_fastai.tune:mfw_tune', cmd[1:], go, log=log2)
    first = start(cmd, tmp_path/'first.log')
    wait_until(lambda: (cand/'checkpoint.pth').exists(), first, 'the first tuner to train its candidate')
    holder = lock_holder(cand)
    os.kill(holder, signal.SIGSTOP) # paused mid-training (its lock held), however slow the second's start under load
    try:
        go.touch()
        waiting = f"{cand} is being trained by another process (PID {holder}): waiting for it to end"
        wait_until(lambda: waiting in log2.read_text(), second, 'the second tuner to find the candidate taken', timeout=300)
    finally: os.kill(holder, signal.SIGCONT)
    err2 = second.communicate(timeout=600)[1]
    out2 = log2.read_text()
    assert first.wait(timeout=300) == 0 and second.returncode == 0, err2
    assert 'reused' in out2 and 'resumed_from_epoch' not in json.loads((cand/'results.json').read_text())  # trained once


def test_reproduce_stops_on_sigint(data, tmp_path):
    "bench/reproduce.py, its trainings on the tiny folder (its suites' data are CIFAR's), run folders and results in tmp_path"
    runs = tmp_path/'runs'
    script = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(root/'bench')!r})
import reproduce as R
R.here, R.RECORD, R.TUNE = Path({str(tmp_path)!r}), Path({str(tmp_path/'record')!r}), Path({str(tmp_path/'tune')!r})
(R.here/'results').mkdir()
R.args_of = lambda s, tiny, threads, seed: {train_args(data, 15) + ['--quiet', '--force', '--threads', '1']!r} + ['--method', s['method']]
sys.argv = ['reproduce.py', 'cpu', '--only', 'step', '--methods', 'erm', 'mfw', '--jobs', '2', '--runs-dir', {str(runs)!r}]
R.main()
"""
    p = start([sys.executable, '-c', script], tmp_path/'log')
    folders = [runs/'cpu'/f"step100-{m}-a{a}-resnet20-e30-s0" for m, a in (('erm', 1), ('mfw', 5))]
    wait_until(lambda: all((d/'checkpoint.pth').exists() for d in folders), p, 'both trainings finished an epoch')
    os.kill(p.pid, signal.SIGINT)
    err = p.communicate(timeout=120)[1]
    assert p.returncode == 130 and 'stopped by SIGINT' in err and 'run the same command again to resume them' in err, err
    for d in folders: assert status(d)['state'] == 'interrupted' and lock_holder(d) is None
