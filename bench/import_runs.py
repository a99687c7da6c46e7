"""Record trainings from an earlier day's `reproduce.py` result file in bench/results/runs/, so the suites reuse them.

The CPU suites of 2026-11-27 (bench/results/reproduce-cpu*-2026-11-27.json) trained, with the same `mfw-train` recipe, some
of the runs the table, the drw-study and the alpha-check need; their run folders were on another machine, but their result
files keep every number a table row uses (accuracy, per-class accuracy, seconds). This writes, for each finished fp32 test-set
run of such a file, `bench/results/runs/<name>/` with `results.json`, `config.json`, `status.json` and `imported.json`
(where the numbers came from). It never overwrites a recorded run.

Why this is sound: mfw-train is deterministic on the CPU (fixed seed, one thread per training), and the recipe did not change
between the days: `exp100-mfw-a1-resnet20-e30-s0`, trained on 2026-11-27 and again (with a stop and a resume) on 2026-11-28,
has the same accuracy to the last digit in every one of its ten classes (66.0%; `python bench/import_runs.py --check`).
ERM ignores alpha, so an ERM run named with alpha 5 on 2026-11-27 is recorded under the table's name (alpha 1).

    python bench/import_runs.py bench/results/reproduce-cpu-*2026-11-27.json
    python bench/import_runs.py --check   # the determinism check above, from the recorded runs
"""
import argparse, json, sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here))
import reproduce as R  # noqa: E402
from reproduce import name_of  # noqa: E402
from mfw_fastai.run import _legacy  # noqa: E402


def settings_of(r):
    "The reproduce.py setting of a run in a result file"
    s = dict(arch=r['arch'], epochs=r['epochs'], imbalance=r['kind'], rho=r['rho'], method=r['method'],
             alpha=r['alpha'] if r['method'].startswith('mfw') else 1)
    if r.get('drw_start', 0.8) != 0.8: s['drw_start'] = r['drw_start']
    dm = _legacy(r).get('drw_mfw_alpha') # mfw-drw without it: MFW was kept on then
    if dm is not None: s['drw_mfw_alpha'] = dm
    return s


def _rel(f):
    "The file's path from the repository root when it is inside it"
    f = Path(f).resolve()
    return str(f.relative_to(here.parent)) if f.is_relative_to(here.parent) else str(f)


def import_file(f, dry=False):
    "Record the finished fp32 test-set runs of result file `f`; returns the names recorded"
    d = json.loads(Path(f).read_text()); done = []
    for r in d['runs']:
        if r['heldout'] or r.get('precision', 'fp32') != 'fp32' or r.get('n_valid') or d.get('tiny'): continue
        s = settings_of(r); name = name_of(s, r['seed']); dst = R.RECORD/name
        if (dst/'results.json').exists(): continue
        done.append(name)
        if dry: continue
        dst.mkdir(parents=True)
        res = {k: r[k] for k in ('accuracy', 'per_class_accuracy', 'few_shot', 'seconds', 'images_per_second')}
        res['history'] = [{'valid_loss': r['valid_loss']}] if r.get('valid_loss') is not None else []
        (dst/'results.json').write_text(json.dumps(res, indent=1))
        (dst/'config.json').write_text(json.dumps({'settings': {**s, 'seed': r['seed'], 'n_valid': None, 'precision': 'fp32'}}, indent=1))
        (dst/'status.json').write_text(json.dumps({'state': 'complete', 'epoch': r['epochs'] - 1, 'epochs_done': r['epochs']}, indent=1))
        (dst/'imported.json').write_text(json.dumps({'from': _rel(f), 'command': d['command'],
            'date': d['date'], 'run': r['run'], 'note': 'numbers from the result file; the run folder was on another machine'}, indent=1))
    return done


def check():
    "The determinism check: the same run trained on two days, compared class by class"
    name = 'exp100-mfw-a1-resnet20-e30-s0'
    old = next(r for r in json.loads((here/'results'/'reproduce-cpu-cpu-2026-11-27.json').read_text())['runs']
               if name_of(settings_of(r), r['seed']) == name)
    new = json.loads((R.RECORD/name/'results.json').read_text())
    same = old['per_class_accuracy'] == new['per_class_accuracy'] and old['accuracy'] == new['accuracy']
    print(f"{name}: 2026-11-27 {old['per_class_accuracy']}\n{' '*len(name)}  recorded   {new['per_class_accuracy']}\n"
          f"{'identical' if same else 'DIFFERENT'}")
    return same


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('files', nargs='*'); p.add_argument('--check', action='store_true'); p.add_argument('--dry-run', action='store_true')
    a = p.parse_args()
    if a.check: sys.exit(0 if check() else 1)
    if not a.files: p.error("name result files, or --check")
    for f in a.files:
        for n in import_file(f, a.dry_run): print(f"{'would record' if a.dry_run else 'recorded'} {n}  <- {f}")
