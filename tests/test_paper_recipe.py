"""The paper-recipe section of the results page (bench/paper_recipe.py, bench/render.py): a finished run's folder is read
as mfw-train writes it, and the figure and its caption show the records' numbers (worked out by hand here)."""
import contextlib, io, json, shutil, sys
from pathlib import Path

import matplotlib
matplotlib.use('Agg')
import numpy as np
import pytest

root = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(root/'bench'))
import paper_recipe, render  # noqa: E402
from mfw_fastai.run import train_run  # noqa: E402
from mfw_fastai.data import mixed_image_folder  # noqa: E402


def test_a_finished_run_is_read_as_mfw_train_writes_it(tmp_path, monkeypatch):
    "A real (tiny) run with --deviation-every 1, put where the paper suite's finished runs go, gives its row"
    data = mixed_image_folder(tmp_path/'data', counts=(12, 6, 3), n_valid=4, sizes=(32, 32))
    out = tmp_path/'run'
    with contextlib.redirect_stdout(io.StringIO()):
        res = train_run(out, quiet=True, dataset=str(data), arch='resnet20', epochs=3, bs=8, size=32, deviation_every=1, eval_every=1, seed=0)
    name = 'exp100-erm-a1-resnet32-e300-s0'
    rec = tmp_path/'runs'; (rec/name).mkdir(parents=True)
    for f in ('config.json', 'results.json', 'history.csv', 'deviation.csv', 'per_class.csv'):
        if (out/f).exists(): shutil.copy(out/f, rec/name/f)
    monkeypatch.setattr(paper_recipe, 'RECORD', rec)
    monkeypatch.setattr(paper_recipe, 'POINTS', tmp_path/'none')
    s = next(s for s in paper_recipe.suite('paper') if s['dataset'] == 'cifar10' and s['method'] == 'erm')
    row = paper_recipe.run_row(s, 0, tmp_path/'live')
    assert row['state'] == 'finished' and row['accuracy'] == res['accuracy']
    dev = [l.split(',') for l in (out/'deviation.csv').read_text().splitlines()[1:]]
    assert [e for e, _ in row['deviation']] == [1, 2, 3]
    # the deviation and training accuracy of class c1 at epoch 2, as the csv has them
    c1 = next(r for r in dev if r[0] == '2' and r[1] == 'c1')
    assert row['deviation'][1][1][1] == pytest.approx(float(c1[3]))
    assert row['train_acc_per_class'][1][1][1] == pytest.approx(float(c1[4]))
    assert row['per_class_accuracy'] == res['per_class_accuracy'] and len(row['test_acc']) == 3
    # finished in the live runs folder and not yet recorded in bench/results/runs/: the same row
    monkeypatch.setattr(paper_recipe, 'RECORD', tmp_path/'empty')
    live = tmp_path/'live'; shutil.copytree(rec/name, live/name)
    assert paper_recipe.run_row(s, 0, live) == row


def _run(ds, method, state, C=10, dev=None, tr=None, pca=None, acc=None, done=300, test_acc=None):
    vocab = [f'k{i}' for i in range(C)]
    counts = [int(5000 * 100 ** (-i / (C - 1))) for i in range(C)]
    r = dict(name=f'{ds}-{method}', dataset=ds, method=method, alpha=None if method == 'erm' else 1., seed=0, n_epoch=300,
             paper=70., state=state, epochs_done=done, vocab=vocab, class_counts=counts, machine={'cpu': 'X'},
             deviation=dev or [], train_acc_per_class=tr or [], test_acc=test_acc or [])
    if state == 'finished': r.update(accuracy=acc, per_class_accuracy=pca)
    return r


def _vals(C, big, small): return [big] + [0.5] * (C - 2) + [small]


def test_caption_and_figure_of_finished_runs():
    "Three finished CIFAR-10 runs: the caption's numbers are the records' at the last common epoch; the panels plot them"
    C = 10
    erm = _run('cifar10', 'erm', 'finished', dev=[[5, _vals(C, .01, .20)], [300, _vals(C, .06, .40)]],
               tr=[[5, _vals(C, .9, 0.)], [300, _vals(C, 1., .98)]], pca=list(np.linspace(1, .1, C)), acc=.7)
    mfw = _run('cifar10', 'mfw', 'finished', dev=[[5, _vals(C, .02, .10)], [300, _vals(C, .05, .25)]],
               tr=[[5, _vals(C, .8, .1)], [300, _vals(C, 1., 1.)]], pca=list(np.linspace(.9, .3, C)), acc=.75)
    drw = _run('cifar10', 'mfw-drw', 'finished', pca=list(np.linspace(.85, .5, C)), acc=.78)
    R = {'paper': {'runs': [erm, mfw, drw]}}
    t = render.results_paper_fig(R, 'cifar10')
    assert 'at epoch 300 of 300' in t and "deviation is 0.400 under ERM and 0.250 under MFW, the largest's 0.060 and 0.050" in t
    assert ("at epoch 300 of 300, the last both runs have measured, the smallest class's accuracy is 98.0% under ERM and 100.0% "
            "under MFW, the largest's 100.0% and 100.0%") in t
    assert 'moves in steps' not in t and "latest" not in t # 50 images in the smallest class; finished runs
    assert 'recorded from epoch' not in t # measured from the start
    assert 'the smallest class: 10.0% under ERM, 30.0% under MFW, 50.0% under MFW + DRW' in t
    fig = paper_recipe.figure(R['paper']['runs'], 'cifar10')
    a0, a1, a2 = fig.axes
    assert len(a0.lines) == 4 and list(a0.lines[1].get_ydata()) == [.20, .40] # ERM's smallest class (second line)
    assert list(a1.lines[3].get_ydata()) == [10., 100.] # MFW's smallest class, in %
    assert [l.get_label() for l in a2.lines] == ['ERM', 'MFW', 'MFW + DRW']
    assert np.allclose(a2.lines[2].get_ydata(), 100 * np.linspace(.85, .5, C))


def test_caption_and_figure_while_training_and_grouped_classes():
    "Runs in progress whose training accuracy was recorded from a later epoch; CIFAR-100's per-class panel in ten groups"
    C = 10
    erm = _run('cifar10', 'erm', 'stopped', done=130, dev=[[e, _vals(C, .01 * e / 5, .3)] for e in range(5, 131, 5)],
               tr=[[125, _vals(C, 1., .2)], [130, _vals(C, 1., .3)]], test_acc=[[10, .4], [120, .6]])
    mfw = _run('cifar10', 'mfw', 'training', done=141, dev=[[e, _vals(C, .02, .2)] for e in range(5, 141, 5)],
               tr=[[135, _vals(C, .95, .5)], [140, _vals(C, .96, .6)]], test_acc=[[10, .45], [140, .7]])
    R = {'paper': {'runs': [erm, mfw, _run('cifar10', 'mfw-drw', 'not started', done=0)]}}
    t = render.results_paper_fig(R, 'cifar10')
    assert 'at epoch 130 of 300' in t and "0.300 under ERM and 0.200 under MFW, the largest's 0.260 and 0.020" in t
    assert 'recorded from epoch 125 (ERM) and 135 (MFW) on' in t
    assert "the smallest class's accuracy is" not in t # no epoch of training accuracy that both runs measured
    assert "every 10 epochs so far; ERM's latest, 60.0% at epoch 120; MFW's latest, 70.0% at epoch 140." in t
    fig = paper_recipe.figure(R['paper']['runs'], 'cifar10')
    assert [l.get_label() for l in fig.axes[2].lines] == ['ERM', 'MFW'] and list(fig.axes[2].lines[1].get_ydata()) == [45., 70.]
    R['paper']['runs'][0]['train_acc_per_class'] = R['paper']['runs'][1]['train_acc_per_class'] = []
    assert [x.get_text() for x in paper_recipe.figure(R['paper']['runs'], 'cifar10').axes[1].texts] == ['not recorded yet']
    assert 'no run has recorded it yet' in render.results_paper_fig(R, 'cifar10')
    # nothing started: no figure, and the caption says so
    R100 = {'paper': {'runs': [_run('cifar100', m, 'not started', C=100, done=0) for m in ('erm', 'mfw', 'mfw-drw')]}}
    assert paper_recipe.figure(R100['paper']['runs'], 'cifar100') is None
    assert 'have not started' in render.results_paper_fig(R100, 'cifar100')
    # just begun: one deviation measurement (epoch 5), no test evaluation yet: still no figure (its panels would be empty)
    R100['paper']['runs'][0].update(epochs_done=6, deviation=[[5, _vals(100, .1, .2)]])
    assert paper_recipe.figure(R100['paper']['runs'], 'cifar100') is None
    assert 'have begun (ERM 6 of 300 epochs): their figure comes once' in render.results_paper_fig(R100, 'cifar100')
    R100['paper']['runs'][0].update(epochs_done=11, deviation=[[5, _vals(100, .1, .2)], [10, _vals(100, .1, .2)]], test_acc=[[10, .1]])
    assert paper_recipe.figure(R100['paper']['runs'], 'cifar100') is not None
    # only ERM has measured (MFW not started): the caption gives ERM's last measurements; a 5-image class moves in steps of 20
    R100['paper']['runs'][0].update(class_counts=[int(500 * 100 ** (-i / 99)) for i in range(100)],
                                    train_acc_per_class=[[5, _vals(100, .9, 0.)], [10, _vals(100, .95, .4)]])
    t = render.results_paper_fig(R100, 'cifar100')
    assert "at epoch 10 of 300, the last ERM has measured, the smallest class's deviation is 0.200, the largest's 0.100" in t
    assert "the smallest class's accuracy is 40.0%, the largest's 95.0%. With 5 training images, the smallest class's training accuracy moves in steps of 20 points." in t
    assert "ERM's latest, 10.0% at epoch 10." in t
    R100['paper']['runs'] = [_run('cifar100', m, 'not started', C=100, done=0) for m in ('erm', 'mfw', 'mfw-drw')]
    # finished CIFAR-100: per-class accuracy i/100 for class i, shown as ten groups of ten classes (means 4.5%, 14.5%, ...)
    pca = [i / 100 for i in range(100)]
    runs = [_run('cifar100', m, 'finished', C=100, pca=pca, acc=.4, dev=[[5, _vals(100, .1, .2)]]) for m in ('erm', 'mfw', 'mfw-drw')]
    fig = paper_recipe.figure(runs, 'cifar100')
    assert np.allclose(fig.axes[2].lines[0].get_ydata(), [4.5 + 10 * k for k in range(10)])
    assert [x.get_text() for x in fig.axes[2].get_xticklabels()][:2] == ['1-10', '11-20']
    assert 'ten groups' in render.results_paper_fig({'paper': {'runs': runs}}, 'cifar100')


def test_table_caption_names_a_run_started_from_anothers_checkpoint():
    "An MFW + DRW run started from the MFW run's epoch-240 checkpoint says so under the table, with the epoch from its record"
    runs = [_run(ds, m, 'training', done=100) for ds in ('cifar10', 'cifar100') for m in ('erm', 'mfw', 'mfw-drw')]
    t = render.results_paper({'paper': {'runs': runs}})
    assert 'started from' not in t
    runs[2]['started_from'] = {'checkpoint': '/x/checkpoint-e240.pth', 'epochs_done': 240, 'method': 'mfw', 'code': 'abc'}
    t = render.results_paper({'paper': {'runs': runs}})
    assert "CIFAR-10's MFW + DRW run started from the MFW run's checkpoint after epoch 240" in t
    assert "its first 240 epochs were not trained twice" in t and "CIFAR-100's" not in t


def test_finished_row_differences_are_the_tables():
    "Differences under the table are taken from the accuracies as the table shows them (to 0.1), so a reader's subtraction agrees"
    runs = [_run('cifar10', m, 'finished', acc=a) for m, a in (('erm', .70249), ('mfw', .71551), ('mfw-drw', .73849))]
    for r, p in zip(runs, (71.1, 78.5, 79.8)): r['paper'] = p
    runs += [_run('cifar100', m, 'training', done=10) for m in ('erm', 'mfw', 'mfw-drw')]
    t = render.results_paper({'paper': {'runs': runs}})
    assert '| CIFAR-10 | 1 | 70.2 | 71.6 | 73.8 |' in t # shown: 70.2, 71.6, 73.8
    # by hand from the shown values: 71.6 − 70.2 = 1.4 (unrounded 1.302), 73.8 − 71.6 = 2.2 (unrounded 2.298),
    # against the paper 70.2 − 71.1 = −0.9 (unrounded −0.851), 71.6 − 78.5 = −6.9, 73.8 − 79.8 = −6.0
    assert ("On CIFAR-10, MFW − ERM is +1.4 points (the paper: +7.4) and MFW + DRW − MFW +2.2 (the paper: +1.3); against the "
            "paper's own numbers, ERM is −0.9, MFW −6.9 and MFW + DRW −6.0 points.") in t


def test_gap_paragraph_from_the_records():
    "The paragraph on where the runs may part from the paper: the check's count, Eq. 12's weights by hand, the diagnostic, the best evaluations"
    C = 10
    ta = lambda peak_at, peak: [[e, .60 if e != peak_at else peak] for e in range(10, 301, 10)]
    erm = _run('cifar10', 'erm', 'finished', pca=[.5] * C, acc=.71, test_acc=ta(200, .72))
    mfw = _run('cifar10', 'mfw', 'finished', pca=[.5] * C, acc=.73, test_acc=ta(260, .76)) # its best after epoch 250: not "seen"
    mfw['test_acc'][5][1] = .65 # epoch 60: the best seen by epoch 250
    drw = _run('cifar10', 'mfw-drw', 'stopped', done=250)
    diag = dict(_run('cifar10', 'mfw', 'stopped', done=120), beta=0.01)
    R = {'paper': {'runs': [erm, mfw, drw], 'diagnostics': [diag]},
         'recipe_check': ('recipe-check-cpu-X.txt', 'lines\n4 of 5 parts as the recipe says; 9 s\n')}
    t = render.results_paper_gap(R)
    assert 'four of its five parts' in t and '`bench/results/recipe-check-cpu-X.txt`' in t
    # Eq. 12 by hand for the counts 5000 ... 50: mu the geometric mean, gamma the population std
    c = np.array(mfw['class_counts'], float); mu, g = np.exp(np.log(c).mean()), c.std()
    s = lambda b: 0.5 / (1 + np.exp(-(c - mu) / (b * g)))
    assert f"s from {s(2)[0]:.2f} (the largest) to {s(2)[-1]:.2f} (the smallest)" in t and f"gives {s(.01)[0]:.2f} to {s(.01)[-1]:.2f} at β = 0.01" in t
    gs = 0.5 / (1 + np.exp(-(c - mu) / (2 * np.exp(np.log(c).std())))) # gamma read as the geometric standard deviation
    assert f"and {gs[0]:.2f} to {gs[-1]:.2f} at β = 2 if its γ" in t
    assert 'at most 65.0% against the paper' in t and 'It has trained 120 of its 300 epochs.' in t
    assert 'is 72.0% for ERM (epoch 200), 76.0% for MFW (epoch 260).' in t
    diag.update(state='finished', accuracy=.755)
    assert 'It finished at 75.5% (MFW at β = 2: 73.0%).' in render.results_paper_gap(R)


def test_a_run_started_from_another_is_plotted_from_its_start():
    "MFW + DRW started from MFW's epoch-240 checkpoint carries MFW's history before it: its test-accuracy line starts at 240"
    ta = [[e, .6] for e in range(10, 261, 10)]
    erm = _run('cifar10', 'erm', 'stopped', done=250, test_acc=ta[:25])
    mfw = _run('cifar10', 'mfw', 'finished', pca=[.5] * 10, acc=.7, test_acc=[[e, .6] for e in range(10, 301, 10)])
    drw = dict(_run('cifar10', 'mfw-drw', 'stopped', done=260, test_acc=ta), started_from={'epochs_done': 240, 'method': 'mfw'})
    runs = [erm, mfw, drw]
    a2 = paper_recipe.figure(runs, 'cifar10').axes[2]
    lines = {l.get_label(): list(l.get_xdata()) for l in a2.lines}
    assert lines['MFW + DRW (from epoch 240)'] == [240, 250, 260] and lines['MFW'][0] == 10 and lines['ERM'][-1] == 250
    t = render.results_paper_fig({'paper': {'runs': runs}}, 'cifar10')
    assert "MFW + DRW's line begins at epoch 240, where it started from the MFW run's checkpoint" in t
