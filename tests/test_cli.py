"The command line end to end on the real CIFAR-10 (tiny settings), resume after SIGKILL, and the table."
import json, os, signal, subprocess, sys, time
from pathlib import Path

import pytest
import torch

TINY = ['--imbalance', 'step', '--rho', '10', '--n-max', '40', '--n-valid', '10', '--arch', 'resnet20', '--threads', '1', '--quiet']


def run(*args, check=True, **kw):
    return subprocess.run([sys.executable, '-m', 'mfw_fastai', *map(str, args)], capture_output=True, text=True, check=check, **kw)


def test_help_documents_every_option():
    out = subprocess.run(['mfw-train', '--help'], capture_output=True, text=True, check=True).stdout
    for opt in ('--dataset', '--imbalance', '--rho', '--n-max', '--method', '--arch', '--epochs', '--bs', '--lr', '--wd',
                '--alpha', '--group', '--beta', '--spread', '--seed', '--out', '--heldout', '--force', '--resume'):
        assert opt in out, opt
    assert 'mfw-drw' in out and 'resnet32' in out


def test_train_writes_run_folder_and_table(tmp_path):
    for m in ('erm', 'mfw'):
        run(*TINY, '--method', m, '--epochs', '1', '--out', tmp_path/m)
    files = sorted(p.name for p in (tmp_path/'mfw').iterdir())
    assert files == ['config.json', 'history.csv', 'model.pth', 'per_class.csv', 'results.json', 'status.json']
    res = json.loads((tmp_path/'mfw'/'results.json').read_text())
    cfg = json.loads((tmp_path/'mfw'/'config.json').read_text())
    assert 0 <= res['accuracy'] <= 1 and len(res['per_class_accuracy']) == 10 and len(res['history']) == 1
    assert res['many_shot'] is None and res['few_shot'] is not None  # 40 and 4 training images: medium and few
    assert res['images_per_second'] > 0
    assert cfg['settings']['method'] == 'mfw' and cfg['settings']['alpha'] == 5.0 and cfg['class_counts'] == [40]*5 + [4]*5
    assert {'mfw_fastai', 'fastai', 'torch'} <= set(cfg['versions'])
    st = json.loads((tmp_path/'mfw'/'status.json').read_text())
    assert st['state'] == 'complete' and st['epochs_done'] == 1 and st['seconds'] > 0
    sd = torch.load(tmp_path/'mfw'/'model.pth', weights_only=True)
    assert 'head.2.weight' in sd
    # an existing run is not overwritten
    r = run(*TINY, '--method', 'mfw', '--epochs', '1', '--out', tmp_path/'mfw', check=False)
    assert r.returncode == 2 and 'exists: pass --force' in r.stderr
    t = subprocess.run(['mfw-table', str(tmp_path), '--paper'], capture_output=True, text=True, check=True).stdout
    assert '| method | cifar10 step 10 |' in t and '| mfw |' in t and '| erm |' in t
    acc = round(100*res['accuracy'], 1)
    assert f"| mfw | {acc:.1f} |" in t


@pytest.mark.parametrize('args,msg', [
    (['--method', 'magic'], "Unknown method 'magic'"),
    (['--arch', 'vgg'], "Unknown architecture 'vgg'"),
    (['--dataset', 'mnist'], "Unknown data set 'mnist'"),
    (['--n-max', '9000'], 'has only 5000 items but 9000 were asked for'),
    (['--alpha', '0'], '--alpha must be a number > 0'),
    (['--precision', 'fp8'], "invalid choice: 'fp8'"),
    pytest.param(['--precision', 'fp16'], 'fp16 mixed precision needs a GPU', marks=pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only refusal')),
])
def test_bad_input_refused_before_training(tmp_path, args, msg):
    r = run('--epochs', '1', '--out', tmp_path/'x', *args, check=False)
    assert r.returncode == 2 and msg in r.stderr, r.stderr
    assert not (tmp_path/'x'/'results.json').exists()


def test_ctrl_c_marks_run_interrupted(tmp_path):
    p = subprocess.Popen([sys.executable, '-m', 'mfw_fastai', *TINY, '--method', 'mfw', '--epochs', '50', '--out', str(tmp_path/'r')],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # a shell's background job ignores Ctrl-C
    ck, t0 = tmp_path/'r'/'checkpoint.pth', time.time()
    while not ck.exists() and time.time() - t0 < 300 and p.poll() is None: time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    err = p.communicate(timeout=120)[1]
    assert p.returncode == 130 and 'continue with --resume' in err
    st = json.loads((tmp_path/'r'/'status.json').read_text())
    assert st['state'] == 'interrupted' and not (tmp_path/'r'/'results.json').exists()
    torch.load(ck, weights_only=True)  # the checkpoint is whole


def _results(d):
    r = json.loads((d/'results.json').read_text())
    return {k: v for k, v in r.items() if k not in ('seconds', 'images_per_second', 'resumed_from_epoch', 'seconds_before_resume')}


def test_sigkill_resume_equals_uninterrupted_and_same_seed_is_identical(tmp_path):
    args = [*TINY, '--method', 'mfw-drw', '--epochs', '4', '--seed', '3']  # DRW switches at epoch 3
    run(*args, '--out', tmp_path/'a')
    run(*args, '--out', tmp_path/'b')
    assert _results(tmp_path/'a') == _results(tmp_path/'b')  # same seed, same numbers
    # kill a run (SIGKILL) after its epoch-1 checkpoint, in the middle of epoch 2, then resume it across the DRW switch
    p = subprocess.Popen([sys.executable, '-m', 'mfw_fastai', *args, '--out', str(tmp_path/'c')],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ck = tmp_path/'c'/'checkpoint.pth'
    t0 = time.time()
    while time.time() - t0 < 300:
        if ck.exists() and torch.load(ck, weights_only=True)['epoch'] >= 1 and json.loads((tmp_path/'c'/'status.json').read_text()).get('epochs_done'): break
        if p.poll() is not None: pytest.fail('the run ended before it could be killed')
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL); p.wait()
    st = json.loads((tmp_path/'c'/'status.json').read_text())
    assert st['state'] == 'running' and st['epochs_done'] >= 1 and st['seconds'] > 0
    assert not (tmp_path/'c'/'results.json').exists()
    start = torch.load(ck, weights_only=True)['epoch'] + 1  # epochs finished (the checkpoint records the last one's index)
    # a run recorded by version 0.1.0, before the own-data options existed, resumes: what it did not record takes its default
    cf = tmp_path/'c'/'config.json'; rec = json.loads(cf.read_text())
    for k in ('valid', 'valid_pct', 'size', 'pretrained', 'weights', 'module', 'freeze_epochs', 'strict'): del rec['settings'][k]
    cf.write_text(json.dumps(rec))
    # --resume with a setting of the training changed is refused by name, and leaves the run as it was
    other = [a if a != '3' else '4' for a in args]
    r = run(*other, '--out', tmp_path/'c', '--resume', check=False)
    assert r.returncode == 2 and "other settings than the run" in r.stderr and "'seed': (3, 4)" in r.stderr, r.stderr
    assert torch.load(ck, weights_only=True)['epoch'] + 1 == start and json.loads((tmp_path/'c'/'status.json').read_text())['state'] == 'running'
    run(*args, '--out', tmp_path/'c', '--resume')
    assert _results(tmp_path/'c') == _results(tmp_path/'a')
    # the recorded time is the whole training's: the killed part (its seconds per finished epoch, times the checkpoint's epochs) and the resumed part
    r = json.loads((tmp_path/'c'/'results.json').read_text())
    assert r['resumed_from_epoch'] == start
    assert r['seconds_before_resume'] == pytest.approx(st['seconds'] * start / st['epochs_done'])
    assert r['seconds'] > r['seconds_before_resume'] > 0
    assert 'resumed_from_epoch' not in json.loads((tmp_path/'a'/'results.json').read_text())


@pytest.mark.parametrize('cmd,msg', [
    (['mfw-tune', '--out', 'X', '--method', 'erm'], 'must be an MFW method'),
    (['mfw-tune', '--out', 'X', '--alpha', '3'], 'set by mfw-tune itself'),
    (['mfw-tune', '--out', 'X', '--alphas', '1', '1'], 'alphas repeat a value'),
    (['mfw-train', '--alpha', 'tuned:NOTHING', '--epochs', '1'], 'No tuned choice in'),
    (['mfw-train', '--alpha', 'big'], 'must be a number or tuned:FOLDER'),
    (['mfw-train', '--method', 'mfw', '--drw-mfw-alpha', '0'], '--drw-mfw-alpha sets MFW'),
    (['mfw-train', '--method', 'mfw-drw', '--drw-mfw-alpha', 'sometimes'], 'must be a number (0: MFW off when re-weighting) or keep'),
])
def test_tune_and_tuned_alpha_refuse_bad_input(tmp_path, cmd, msg):
    cmd = [str(tmp_path/c) if c in ('X', 'NOTHING') else c.replace('tuned:NOTHING', f"tuned:{tmp_path/'nothing'}") for c in cmd]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 2 and msg in r.stderr, r.stderr
    assert not any(tmp_path.rglob('results.json'))


def test_drw_run_started_from_the_plain_runs_checkpoint_equals_one_trained_from_scratch(tmp_path):
    "mfw-drw started from an mfw run's checkpoint kept at the switch: the same results, bit for bit, as mfw-drw trained whole"
    args = [*TINY, '--epochs', '4', '--seed', '3', '--eval-every', '2', '--deviation-every', '2']  # DRW re-weights from epoch int(0.8 * 4) = 3
    run(*args, '--method', 'mfw-drw', '--out', tmp_path/'whole')
    run(*args, '--method', 'mfw', '--keep-checkpoint', '3', '4', '--out', tmp_path/'mfw')
    assert sorted(p.name for p in (tmp_path/'mfw').glob('checkpoint*')) == ['checkpoint-e3.pth', 'checkpoint-e4.pth']
    kept = tmp_path/'mfw'/'checkpoint-e3.pth'
    run(*args, '--method', 'mfw-drw', '--start-from', kept, '--out', tmp_path/'started')
    r = json.loads((tmp_path/'started'/'results.json').read_text())
    assert _results(tmp_path/'started') == {**_results(tmp_path/'whole'), 'started_from': r['started_from']}
    assert r['resumed_from_epoch'] == 3 and r['started_from']['epochs_done'] == 3 and r['started_from']['method'] == 'mfw'
    assert json.loads((tmp_path/'started'/'config.json').read_text())['started_from'] == r['started_from']
    import pandas as pd
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path/'started'/'deviation.csv'), pd.read_csv(tmp_path/'whole'/'deviation.csv'))
    a = torch.load(tmp_path/'started'/'model.pth', weights_only=True); b = torch.load(tmp_path/'whole'/'model.pth', weights_only=True)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    # the MFW run's own results did not change by keeping copies, and its epochs before the switch are the started run's
    m = json.loads((tmp_path/'mfw'/'results.json').read_text())
    assert m['history'][:3] == r['history'][:3] and m['history'][3] != r['history'][3]


def test_start_from_refuses_a_checkpoint_of_another_training(tmp_path):
    "Each way a checkpoint can fail to be the start of the run asked for is refused, by name, before anything is written"
    run(*TINY, '--epochs', '4', '--seed', '3', '--method', 'mfw', '--keep-checkpoint', '3', '--out', tmp_path/'mfw')
    kept = tmp_path/'mfw'/'checkpoint-e3.pth'
    for opts, msg in [(['--seed', '3', '--epochs', '4', '--method', 'mfw'], '--start-from starts a DRW method'),
                      (['--seed', '3', '--epochs', '4', '--method', 'drw'], 'drw trains as erm until it re-weights, but'),
                      (['--seed', '4', '--epochs', '4', '--method', 'mfw-drw'], "other settings: {'seed': (3, 4)}"),
                      (['--seed', '3', '--epochs', '5', '--method', 'mfw-drw'], "other settings: {'epochs': (4, 5)}"),
                      (['--seed', '3', '--epochs', '4', '--method', 'mfw-drw', '--drw-start', '0.5'], 'past the switch to re-weighting after epoch 2'),
                      (['--seed', '3', '--epochs', '4', '--method', 'mfw-drw', '--resume'], 'not both'),
                      (['--seed', '3', '--epochs', '4', '--method', 'mfw-drw', '--start-from', tmp_path/'none.pth'], 'no such checkpoint file')]:
        r = run(*TINY, *opts, *([] if '--start-from' in opts else ['--start-from', kept]), '--out', tmp_path/'x', check=False)
        assert r.returncode == 2 and msg in r.stderr, (opts, r.stderr)
        assert not (tmp_path/'x').exists()
