"The benchmark bookkeeping: recording an earlier day's trainings, and Table 1 assembled from recorded runs."
import json, sys
from pathlib import Path

import pytest

root = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(root/'bench'))
import reproduce as R  # noqa: E402
import import_runs, table1  # noqa: E402


def run(method, kind, rho, seed, acc, alpha=1, **kw):
    "One entry of a reproduce.py result file"
    pc = [acc + 0.01*(4.5 - i) for i in range(10)] # per-class accuracies averaging to acc
    return dict(method=method, kind=kind, rho=rho, arch='resnet20', epochs=30, seed=seed, alpha=alpha, heldout=False,
                accuracy=acc, per_class_accuracy=pc, few_shot=None, seconds=100., images_per_second=200., run=f"/x/{method}{seed}", how='trained', **kw)


@pytest.fixture
def store(tmp_path, monkeypatch):
    "RECORD and TUNE in a temporary folder"
    monkeypatch.setattr(R, 'RECORD', tmp_path/'runs'); monkeypatch.setattr(R, 'TUNE', tmp_path/'tune')
    return tmp_path


def test_import_records_test_set_fp32_runs_once(store):
    f = store/'old.json'
    f.write_text(json.dumps({'command': 'python bench/reproduce.py cpu', 'date': '2026-11-27', 'tiny': False, 'runs': [
        run('erm', 'step', 100, 0, 0.537, alpha=5),         # ERM ignores alpha: recorded under the table's name (alpha 1)
        run('mfw', 'exp', 100, 0, 0.71, alpha=5.0),
        run('mfw', 'exp', 100, 1, 0.30, alpha=1),
        dict(run('mfw', 'exp', 100, 2, 0.40), heldout=True),  # held-out accuracy: not a test-set result
        dict(run('erm', 'exp', 100, 0, 0.60), precision='bf16'),
        dict(run('erm', 'exp', 10, 0, 0.80), n_valid=100)]}))   # a subset of the test set
    names = import_runs.import_file(f)
    assert names == ['step100-erm-a1-resnet20-e30-s0', 'exp100-mfw-a5-resnet20-e30-s0', 'exp100-mfw-a1-resnet20-e30-s1']
    res = json.loads((R.RECORD/names[0]/'results.json').read_text())
    assert res['accuracy'] == 0.537 and json.loads((R.RECORD/names[0]/'status.json').read_text())['state'] == 'complete'
    assert json.loads((R.RECORD/names[0]/'imported.json').read_text())['date'] == '2026-11-27'
    assert import_runs.import_file(f) == []  # never overwrites a recorded run


def record(name, acc, seconds=1500., **extra):
    d = R.RECORD/name; d.mkdir(parents=True)
    (d/'results.json').write_text(json.dumps({'accuracy': acc, 'per_class_accuracy': [acc]*10, 'seconds': seconds, **extra}))


def test_table1_from_recorded_runs(store):
    for sd, a in enumerate((0.60, 0.62, 0.64)): record(f"exp100-erm-a1-resnet20-e30-s{sd}", a)
    for sd, a in enumerate((0.70, 0.71)): record(f"exp100-mfw-a5-resnet20-e30-s{sd}", a)  # seed 2 still running
    record('exp100-mfw-a1-resnet20-e30-s0', 0.65)
    record('exp100-mfw-drw-a5-dm0-resnet20-e30-s0', 0.72); record('exp100-mfw-drw-a5-resnet20-e30-s0', 0.50)  # MFW + DRW: MFW off when re-weighting
    t = R.TUNE/'exp100-e30'; t.mkdir(parents=True)
    t.joinpath('tuned.json').write_text(json.dumps({'alpha': 5., 'criterion': 'loss', 'train_seconds': 7200.,
        'by_criterion': {'loss': {'alpha': 5., 'group': 2, 'stability': .9}, 'accuracy': {'alpha': 1., 'group': 2, 'stability': .8}}}))
    rows = {(w['kind'], w['rho']): w for w in table1.build()}
    w = rows[('exp', 100)]
    assert w['erm']['accuracy'] == pytest.approx((0.60 + 0.62 + 0.64)/3) and w['erm']['seeds'] == [0, 1, 2]
    assert w['erm']['per_class'] == pytest.approx([0.62]*10) and w['erm']['minor_half'] == pytest.approx(0.62)  # each run: its accuracy in every class
    assert w['mfw_by_loss']['seeds'] == [0, 1] and w['mfw_by_loss']['accuracy'] == pytest.approx(0.705)
    assert w['mfw_by_accuracy']['seeds'] == [0] and w['mfw-drw_by_loss']['accuracy'] == 0.72 and w['mfw-drw_by_accuracy'] is None
    assert rows[('step', 10)]['erm'] is None and rows[('step', 10)]['alpha_by_loss'] is None
    md = table1.markdown(table1.build())
    # the main columns (and the targets) take mfw-tune's default rule, the held-out loss; the accuracy's alpha is the second
    assert md.startswith('| setting | ERM % | MFW % (α by held-out loss) | MFW + DRW % (same α, MFW off when re-weighting) | MFW − ERM | MFW % (α by held-out accuracy) |')
    line = next(l for l in md.splitlines() if l.startswith('| long-tailed ρ = 100 |'))
    # differences are paired by seed, over the seeds both finished: MFW - ERM = ((70 - 60) + (71 - 62))/2 = +9.5 over seeds 0
    # and 1 (not 70.5 - 62.0, which would set two seeds of MFW against three of ERM); MFW + DRW - MFW = 72 - 70 = +2.0 (seed 0)
    assert '| 62.0 (mean of 3) | 70.5 (α 5, 2 of 3 seeds) | 72.0 (1 of 3 seeds) | +9.5 (seeds 0, 1) | 65.0 (α 1, 1 of 3 seeds) | pending | 71.1 / 78.5 / 79.8 |' in line
    assert 'MFW − ERM mean over them +9.5 points (target: ≥ +3.0 over all six); MFW above ERM in 1 of them (target: all six).' in md
    assert 'MFW + DRW − MFW (target ≥ −1 in every setting): long-tailed ρ = 100: +2.0 (seeds 0).' in md
    assert 'finished trainings above: 2.9 h as recorded; of the held-out tuning so far: 2.0 h' in md  # 7 runs x 1,500 s
    # per-seed gains 70 - 60 and 71 - 62 (seed 2 of MFW still running), sample sd |10 - 9|/sqrt(2) = 0.71; the accuracy rule has one seed
    assert '- Seed to seed, where several seeds finished (the yardstick for the single-seed settings): long-tailed ρ = 100, α 5 (held-out loss): MFW − ERM per seed +10.0, +9.0 points (sd 0.7).' in md


def test_table1_machine_time_of_runs_resumed_by_old_versions(store):
    "A record faster than any training here kept only the part after a resume: the table names it and estimates the rest"
    record('exp200-erm-a1-resnet20-e30-s0', 0.56, seconds=1000., images_per_second=250.)
    record('exp200-mfw-a5-resnet20-e30-s0', 0.60, seconds=1200., images_per_second=350.)
    record('step200-erm-a1-resnet20-e30-s0', 0.47, seconds=0.03)  # resumed at its last epoch: nothing trained, no rate
    md = table1.markdown(table1.build())
    # step rho=200: 5,000 x 5 + 25 x 5 = 25,125 images x 30 epochs at the median rate (250 + 350)/2 = 300 images/s: 2,512.5 s
    assert table1.n_train('step', 200) == 25125 and table1.median_ips() == 300.
    # the table's runs: the two ERM runs (rho 200 is not tuned, so its MFW run is not in the table, only in the median)
    assert ("above: 0.3 h as recorded (where 1 of them, step200-erm-a1-resnet20-e30-s0, recorded only the part after a resume, "
            "about 0.7 h more at the median of 300 images/s); of the held-out") in md  # (1000 + 0.03) s; (2512.5 - 0.03) s


def test_table1_names_the_settings_where_mfw_is_behind(store):
    "The target 'MFW beats ERM in every setting', counted: the settings where it does not are named with the gap"
    for k, a, erm, mfw in (('exp10', .5, .82, .816), ('exp200', 5., .56, .60)):
        record(f"{k}-erm-a1-resnet20-e30-s0", erm); record(f"{k}-mfw-a{a:g}-resnet20-e30-s0", mfw)
        t = R.TUNE/f"{k}-e30"; t.mkdir(parents=True); t.joinpath('tuned.json').write_text(json.dumps({'alpha': a, 'criterion': 'loss', 'train_seconds': 1.}))
    md = table1.markdown(table1.build())  # gains 81.6 - 82.0 = -0.4 and 60 - 56 = +4.0: mean +1.8
    assert ('- Settings with ERM and MFW finished: 2 of 6; MFW − ERM mean over them +1.8 points (target: ≥ +3.0 over all six); '
            'MFW above ERM in 1 of them (target: all six), not in long-tailed ρ = 10: -0.4.') in md


def test_tuned_alphas_of_both_criteria(store):
    "alpha='tuned' becomes one training per distinct alpha the criteria chose; settings without one are refused by name"
    t = R.TUNE/'exp100-e30'; t.mkdir(parents=True)
    t.joinpath('tuned.json').write_text(json.dumps({'alpha': 1., 'criterion': 'accuracy',
        'by_criterion': {'accuracy': {'alpha': 1.}, 'loss': {'alpha': 5.}}}))
    t = R.TUNE/'exp200-e30'; t.mkdir(parents=True)
    t.joinpath('tuned.json').write_text(json.dumps({'alpha': 5., 'criterion': 'accuracy',
        'by_criterion': {'accuracy': {'alpha': 5.}, 'loss': {'alpha': 5.}}}))
    s = dict(imbalance='exp', arch='resnet20', epochs=30, seeds=[0, 1, 2])
    runs = [(dict(s, rho=100, method='mfw', alpha='tuned'), 1), (dict(s, rho=200, method='mfw-drw', alpha='tuned'), 0),
            (dict(s, rho=100, method='erm', alpha=1), 0)]
    got = [R.name_of(r, sd) for r, sd in R.with_tuned_alphas(runs, ['accuracy', 'loss'])]
    assert got == ['exp100-mfw-a1-resnet20-e30-s1', 'exp100-mfw-a5-resnet20-e30-s1', 'exp200-mfw-drw-a5-dm0-resnet20-e30-s0',
                   'exp100-erm-a1-resnet20-e30-s0']  # rho 200: both rules chose 5, one training
    assert [r['alpha'] for r, _ in R.with_tuned_alphas(runs)] == [5., 5., 1] and 'seeds' not in R.with_tuned_alphas(runs)[0][0]  # default: the loss's
    assert [r['alpha'] for r, _ in R.with_tuned_alphas(runs, ['accuracy'])] == [1., 5., 1] and R.CRITERION == 'loss'
    with pytest.raises(ValueError, match='no tuned alpha .* for exp10 at 30 epochs'):
        R.with_tuned_alphas([(dict(s, rho=10, method='mfw', alpha='tuned'), 0)])


def test_run_names():
    s = dict(imbalance='step', rho=100, arch='resnet20', epochs=30)
    assert R.name_of(dict(s, method='mfw', alpha=5.0), 0) == 'step100-mfw-a5-resnet20-e30-s0'
    assert R.name_of(dict(s, method='erm', alpha=5), 1) == 'step100-erm-a1-resnet20-e30-s1'  # alpha is MFW's only
    assert R.name_of(dict(s, method='drw', alpha=5), 0) == 'step100-drw-a1-resnet20-e30-s0'
    assert R.name_of(dict(s, method='mfw-drw', alpha=5, drw_mfw_alpha=0), 0) == 'step100-mfw-drw-a5-dm0-resnet20-e30-s0'
    assert R.name_of(dict(s, method='mfw-drw', alpha=5), 0) == 'step100-mfw-drw-a5-dm0-resnet20-e30-s0'  # MFW off: mfw-drw's default
    assert R.name_of(dict(s, method='mfw-drw', alpha=5, drw_start=0.6), 0) == 'step100-mfw-drw-a5-ds0.6-dm0-resnet20-e30-s0'
    # MFW kept on: no suffix, the name such runs were recorded under when that was the default
    assert R.name_of(dict(s, method='mfw-drw', alpha=5, drw_mfw_alpha='keep', drw_start=0.6), 0) == 'step100-mfw-drw-a5-ds0.6-resnet20-e30-s0'
    assert R.name_of(dict(s, method='mfw', alpha=1, heldout=True, precision='bf16'), 2) == 'step100-mfw-a1-resnet20-e30-s2-heldout-bf16'
    # MFW's beta and group when not the defaults, as mfw-train names the run
    assert R.name_of(dict(s, method='mfw-drw', alpha=1, beta=0.01, group=3), 0) == 'step100-mfw-drw-a1-b0.01-g3-dm0-resnet20-e30-s0'
    assert R.name_of(dict(s, method='erm', alpha=1, beta=0.01), 0) == 'step100-erm-a1-resnet20-e30-s0'


def test_tuner_check_per_setting(store):
    "Target 3 against made-up test-set runs: the gap of each rule's choice to the best alpha, per setting of the alpha-check"
    for a, acc in ((0.5, 0.657), (1, 0.660), (2, 0.678), (5, 0.710)): record(f"exp100-mfw-a{a:g}-resnet20-e30-s0", acc)
    for a, acc in ((0.5, 0.50), (1, 0.52)): record(f"exp200-mfw-a{a:g}-resnet20-e30-s0", acc)  # alpha 2 and 5 still running
    t = R.TUNE/'exp100-e30'; t.mkdir(parents=True)
    t.joinpath('tuned.json').write_text(json.dumps({'alpha': 1., 'criterion': 'accuracy', 'train_seconds': 1.,
        'by_criterion': {'accuracy': {'alpha': 1., 'stability': .78}, 'loss': {'alpha': 5., 'stability': .94}}}))
    acc, md = table1.tuner_check()
    assert acc['exp100'] == {0.5: 0.657, 1: 0.660, 2: 0.678, 5: 0.710} and acc['exp200'] == {0.5: 0.50, 1: 0.52}
    assert '- By held-out accuracy: α 1 (78% of resamples), 5.0 points below the best: NOT within 1 point.' in md  # 71.0 - 66.0
    assert "- By held-out loss (mfw-tune's default): α 5 (94% of resamples), 0.0 points below the best: within 1 point." in md
    assert md.index('- By held-out loss') < md.index('- By held-out accuracy')  # the default rule first
    assert 'long-tailed ρ = 200 (target' in md and 'α 2: pending' in md and '- long-tailed ρ = 200 is not tuned yet.' in md


def test_remaining_trainings_and_time(store):
    "What the table still needs, counted by hand: tunings (4 candidates on the training set minus 3 per class) and runs"
    for sd in range(3): record(f"exp100-erm-a1-resnet20-e30-s{sd}", .6, images_per_second=100.)
    left = table1.remaining(table1.build())
    exp = lambda rho: sum(int(5000*(1/rho)**(i/9)) for i in range(10))  # the long-tailed profile, largest class 5,000
    step = lambda rho: 5*5000 + 5*int(5000/rho)
    assert exp(100) == 12406 and step(100) == 25250                  # the sizes the docs quote
    # exp100: ERM done; 4 tuning candidates + MFW and MFW + DRW x 3 seeds. step100: 3 ERM + 4 + 6. exp10: 3 ERM + 4 + 3 MFW
    # + 1 MFW + DRW (seeds 0-2 for ERM and MFW there). The three others: 1 + 4 + 2.
    n = (4*(exp(100) - 30) + 6*exp(100)) + (3*step(100) + 4*(step(100) - 30) + 6*step(100)) + (3*exp(10) + 4*(exp(10) - 30) + 4*exp(10))
    n += sum(f(r) + 4*(f(r) - 30) + 2*f(r) for f, r in ((exp, 200), (step, 10), (step, 200)))
    assert left['trainings'] == 10 + 13 + 11 + 3*7 and left['images_per_second'] == 100.
    assert left['seconds'] == pytest.approx(30*n/100.)


def test_mfw_kept_on_when_reweighting_is_named_and_labelled_as_such():
    "MFW + DRW: 'keep' reaches mfw-train as an option it accepts; result files of before the default changed (None) read as kept on"
    from mfw_fastai.cli import _parser, check_config
    s = dict(imbalance='step', rho=100, arch='resnet20', epochs=30, method='mfw-drw', alpha=5)
    for dm, want in ((dict(drw_mfw_alpha='keep'), 'keep'), ({}, 0), (dict(drw_mfw_alpha=1), 1)):
        args = vars(_parser().parse_args(R.args_of(dict(s, **dm), False, 1, 0)))
        assert check_config({k: v for k, v in args.items() if k not in ('quick', 'out', 'force', 'resume', 'quiet')})['drw_mfw_alpha'] == want
    assert R.label(dict(method='mfw-drw', drw_mfw_alpha=None)) == 'mfw-drw (MFW kept on when re-weighting)'
    assert R.label(dict(method='mfw-drw', drw_mfw_alpha='keep')) == 'mfw-drw (MFW kept on when re-weighting)'
    assert R.label(dict(method='mfw-drw', drw_mfw_alpha=0)) == 'mfw-drw (MFW off when re-weighting)'
    assert R.label(dict(method='mfw-drw', drw_mfw_alpha='keep', drw_start=0.6)) == 'mfw-drw (DRW from 60%) (MFW kept on when re-weighting)'
    assert R.label(dict(method='drw', drw_mfw_alpha=None)) == 'drw'
    assert import_runs.settings_of(run('mfw-drw', 'step', 100, 0, 0.563, alpha=5, drw_mfw_alpha=None))['drw_mfw_alpha'] == 'keep'
    assert import_runs.settings_of(run('mfw-drw', 'step', 100, 0, 0.705, alpha=5, drw_mfw_alpha=0))['drw_mfw_alpha'] == 0


def test_fit_gap_table_and_missing_run(tmp_path):
    import fit_gap
    # hand example: majors fit 100% of their training images and 90% of the test images, minors 60% and 30%
    r = {'run': 'x-s0', 'train_acc': [1.0]*5 + [0.6]*5, 'test_acc': [0.9]*5 + [0.3]*5, 'deviation': [0.1]*5 + [0.2]*5}
    md = fit_gap.markdown({'machine': 'm', 'date': 'd', 'seconds': 1, 'settings': {'step ρ = 10': [r, dict(r, run='y-s0', test_acc=[0.9]*5 + [0.5]*5)]}})
    assert '| step ρ = 10 | ERM (x-s0) | 100.0 / 60.0 | 90.0 / 30.0 | 10.0 / 30.0 | 0.100 / 0.200 |' in md
    assert '| step ρ = 10 | MFW (y-s0) | 100.0 / 60.0 | 90.0 / 50.0 | 10.0 / 10.0 | 0.100 / 0.200 |' in md
    # ERM's majors ahead by 100 - 60 = 40 points on training images; test accuracy 60% (ERM) against 70% (MFW)
    assert "- step ρ = 10: ERM's major classes ahead of its minor ones by 40.0 points on their training images; MFW − ERM on the test set +10.0 points." in md
    (tmp_path/'table'/'exp10-erm-a1-resnet20-e30-s0').mkdir(parents=True)  # a run folder without weights is not finished
    with pytest.raises(FileNotFoundError, match='No finished run exp10-erm'): fit_gap.find_run(tmp_path, 'exp10-erm-a1-resnet20-e30-s0')
    (tmp_path/'table'/'exp10-erm-a1-resnet20-e30-s0'/'model.pth').write_bytes(b'')
    assert fit_gap.find_run(tmp_path, 'exp10-erm-a1-resnet20-e30-s0') == tmp_path/'table'/'exp10-erm-a1-resnet20-e30-s0'


def test_drw_trainings_of_a_suite_start_from_their_plain_counterparts_checkpoint():
    "In the paper suite, MFW + DRW starts from MFW's checkpoint at epoch 240 of 300, on CIFAR-10 and CIFAR-100 alike, seed by seed"
    runs = [(s, seed) for seed in (0, 1) for s in R.suite('paper')]
    src = R.drw_sources(runs)
    assert {runs[i][0]['method'] for i in src} == {'mfw-drw'}
    assert src == {i: j for i, (s, seed) in enumerate(runs) for j, (t, tseed) in enumerate(runs)
                   if s['method'] == 'mfw-drw' and t['method'] == 'mfw' and seed == tseed and s['dataset'] == t['dataset']}
    assert len(src) == 4 and all(R.switch_epoch(runs[i][0]) == 240 for i in src)
    assert R.drw_sources([(dict(runs[2][0], alpha=5), 0), (runs[1][0], 0)]) == {} # another alpha: another training


def test_suite_waits_for_the_switch_checkpoint_and_starts_the_drw_training_there(tmp_path, monkeypatch):
    "Two trainings at a time: MFW + DRW waits while MFW trains to the switch, then starts from the checkpoint MFW keeps there"
    base = dict(arch='resnet20', epochs=4, imbalance='step', rho=10, n_max=40, n_valid=10, alpha=5, eval_every=2)
    monkeypatch.setattr(R, 'suite', lambda name: [dict(base, method='mfw'), dict(base, method='mfw-drw', drw_mfw_alpha=0)])
    for k, v in (('here', tmp_path), ('RECORD', tmp_path/'runs'), ('POINTS', tmp_path/'resume')): monkeypatch.setattr(R, k, v)
    (tmp_path/'results').mkdir()
    monkeypatch.setattr(sys, 'argv', ['reproduce.py', 'paper', '--jobs', '2', '--runs-dir', str(tmp_path/'w')])
    R.run_suite()
    out = tmp_path/'w'/'paper'
    mfw, drw = (out/R.name_of(s, 0) for s in R.suite('paper'))
    assert (mfw/'checkpoint-e3.pth').exists() # kept at the switch (int(0.8 * 4) = 3)
    st = json.loads((drw/'results.json').read_text())['started_from']
    assert st['epochs_done'] == 3 and st['method'] == 'mfw' and st['checkpoint'] == str((mfw/'checkpoint-e3.pth').resolve())
    h = [json.loads((d/'results.json').read_text())['history'] for d in (mfw, drw)]
    assert h[0][:3] == h[1][:3] and h[0][3] != h[1][3] # one training to the switch, two after it
    res = json.loads(next((tmp_path/'results').glob('reproduce-paper-*.json')).read_text())
    assert [r['method'] for r in res['runs']] == ['mfw', 'mfw-drw'] and res['runs'][1]['started_from'] == st
    assert (tmp_path/'runs'/drw.name/'results.json').exists() # recorded as any finished training


def test_several_suites_share_the_jobs_each_in_its_own_folder(tmp_path, monkeypatch):
    "reproduce.py paper paper-weights: one queue, seed 0 first and a data set's trainings together, each suite's runs in its folder"
    calls = []
    def fake_one(s, out, tiny, threads, seed, *a):
        calls.append((R.name_of(s, seed), out.name))
        return dict(dataset=s.get('dataset', 'cifar10'), method=s['method'], kind=s['imbalance'], rho=s['rho'], arch=s['arch'], epochs=s['epochs'],
                    seed=seed, alpha=s['alpha'], heldout=False, accuracy=0.5, per_class_accuracy=[0.5, 0.5], how='trained', seconds=1.,
                    precision='fp32', n_valid=None, beta=s.get('beta'), group=s.get('group', 2))
    monkeypatch.setattr(R, 'one', fake_one)
    monkeypatch.setattr(R, 'here', tmp_path); (tmp_path/'results').mkdir()
    monkeypatch.setattr(sys, 'argv', ['reproduce.py', 'paper', 'paper-weights', '--seeds', '0', '1', '--jobs', '1', '--runs-dir', str(tmp_path/'w')])
    R.run_suite()
    c10 = ['exp100-erm-a1-resnet32-e300-s{}', 'exp100-mfw-a1-resnet32-e300-s{}', 'exp100-mfw-drw-a1-dm0-resnet32-e300-s{}']
    c100 = ['cifar100-exp100-erm-a1-resnet32-e300-s{}', 'cifar100-exp100-mfw-a0.2-resnet32-e300-s{}', 'cifar100-exp100-mfw-drw-a0.2-dm0-resnet32-e300-s{}']
    want = [(n, 'paper') for n in c10] + [('exp100-mfw-a1-b0.01-resnet32-e300-s{}', 'paper-weights')] + [(n, 'paper') for n in c100]
    assert calls == [(n.format(seed), f) for seed in (0, 1) for n, f in want]
    md = next((tmp_path/'results').glob('reproduce-paper+paper-weights-seeds0-1-cpu-*.md')).read_text()
    assert md.startswith('Suite `paper+paper-weights`') and '| mfw (beta 0.01) | exp | 100 |' in md
    with pytest.raises(SystemExit): # the same suite twice, or tune with another, is refused
        monkeypatch.setattr(sys, 'argv', ['reproduce.py', 'paper', 'paper']); R.run_suite()
