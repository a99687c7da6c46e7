"""Training progress of the major and the minor classes, per setting: why MFW gains at rho = 100 and 200 at the
30-epoch CPU schedule and hardly at rho = 10.

MFW aims to equalise the training progress of the classes (the paper's section 3). For the table's ERM and MFW runs
of four CIFAR-10 settings (long-tailed and step rho = 10, long-tailed rho = 200, step rho = 100; ResNet-20, 30 epochs,
alpha as the table has it), this loads each finished run (`mfw_fastai.cli.load_run`) and measures, for the five major
and the five minor classes: the accuracy on their own training images (no augmentation), on the balanced test set, the
gap between the two, and the paper's feature deviation (distance between the mean of K normalised training features of
a class, K = the smallest class's size, and the class's mean test feature; `mfw_fastai.analysis.feature_deviation`).
The runs must have been trained (`bash bench/table_all.sh RUNS_DIR`); their weights live in RUNS_DIR.

    python bench/fit_gap.py --runs-dir ~/mfw-bench-runs      # ~9 min on 2 CPU cores beside two trainings; writes bench/results/fit-gap-cpu.md/.json
"""
import argparse, json, os, platform, sys, time
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent))

RUNS = [  # (setting, ERM run, MFW run at the table's alpha): the two rho = 10 settings, where MFW gained nothing or little at
          # this schedule, and two where it gained most (step rho = 100 at seed 1: seed 0's weights were not kept)
    ('long-tailed ρ = 10', 'exp10-erm-a1-resnet20-e30-s0', 'exp10-mfw-a0.5-resnet20-e30-s0'),
    ('step ρ = 10', 'step10-erm-a1-resnet20-e30-s0', 'step10-mfw-a0.5-resnet20-e30-s0'),
    ('long-tailed ρ = 200', 'exp200-erm-a1-resnet20-e30-s0', 'exp200-mfw-a5-resnet20-e30-s0'),
    ('step ρ = 100', 'step100-erm-a1-resnet20-e30-s1', 'step100-mfw-a5-resnet20-e30-s1')]


def find_run(runs_dir: Path, name: str) -> Path:
    "The folder of a finished run called `name` anywhere under `runs_dir`"
    hits = sorted(p.parent for p in runs_dir.glob(f'**/{name}/model.pth'))
    if not hits: raise FileNotFoundError(f"No finished run {name} under {runs_dir}: train it with `bash bench/table_all.sh {runs_dir}`")
    return hits[0]


def measure(run: Path) -> dict:
    "Per-half training and test accuracy, and feature deviation, of one finished run"
    import torch
    from mfw_fastai.cli import load_run
    from mfw_fastai.analysis import _eval_train_dl, penultimate_features, feature_deviation
    learn = load_run(run, threads=int(os.environ.get('OMP_NUM_THREADS', 0)) or None)
    trf, trl = penultimate_features(learn, _eval_train_dl(learn.dls))
    tef, tel = penultimate_features(learn, learn.dls.valid)
    lin = [m for m in learn.model.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        tr_acc = (lin(trf).argmax(1) == trl).float()
        te_acc = (lin(tef).argmax(1) == tel).float()
    C = int(trl.max()) + 1
    per = lambda acc, y: [float(acc[y == c].mean()) for c in range(C)]
    dev = feature_deviation(trf, trl, tef, tel).tolist()
    counts = [int((trl == c).sum()) for c in range(C)]
    return {'run': run.name, 'counts': counts, 'train_acc': per(tr_acc, trl), 'test_acc': per(te_acc, tel), 'deviation': dev}


def halves(v): return sum(v[:5]) / 5, sum(v[5:]) / 5


def markdown(res: dict) -> str:
    rows = ["| setting | method | train acc. major / minor % | test acc. major / minor % | gap major / minor (points) | feature deviation major / minor |",
            "|---|---|---|---|---|---|"]
    for setting, pair in res['settings'].items():
        for meth, r in zip(('ERM', 'MFW'), pair):
            tr, te, dv = halves(r['train_acc']), halves(r['test_acc']), halves(r['deviation'])
            rows.append(f"| {setting} | {meth} ({r['run']}) | {100*tr[0]:.1f} / {100*tr[1]:.1f} | {100*te[0]:.1f} / {100*te[1]:.1f} | "
                        f"{100*(tr[0]-te[0]):.1f} / {100*(tr[1]-te[1]):.1f} | {dv[0]:.3f} / {dv[1]:.3f} |")
    summary = []
    for setting, (erm, mfw) in res['settings'].items():
        tr = halves(erm['train_acc']); acc = lambda r: 100 * sum(r['test_acc']) / len(r['test_acc'])
        summary.append(f"- {setting}: ERM's major classes ahead of its minor ones by {100*(tr[0]-tr[1]):.1f} points on their "
                       f"training images; MFW − ERM on the test set {acc(mfw) - acc(erm):+.1f} points.")
    return (f"Training progress and over-fitting of the five major and the five minor classes, CIFAR-10, ResNet-20, 30 epochs, the table's α "
            f"(`python bench/fit_gap.py`; {res['machine']}, {res['date']}, {res['seconds']:.0f} s). Train accuracy on the "
            "classes' own training images without augmentation; gap = train − test; feature deviation as in the paper "
            "(K = the smallest class's size, 1000 rounds).\n\n" + '\n'.join(rows) + '\n\n' + '\n'.join(summary) + '\n')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--runs-dir', default=str(Path.home()/'mfw-bench-runs'))
    p.add_argument('--out', default=str(here/'results'/'fit-gap-cpu'))
    a = p.parse_args()
    t = time.time()
    runs_dir = Path(a.runs_dir).expanduser()
    settings = {name: [measure(find_run(runs_dir, n)) for n in runs] for name, *runs in RUNS}
    res = {'command': 'python bench/fit_gap.py ' + ' '.join(sys.argv[1:]), 'date': time.strftime('%Y-%m-%d'),
           'machine': f"{platform.machine()} ({os.cpu_count()} CPUs)", 'seconds': time.time() - t, 'settings': settings}
    Path(a.out + '.json').write_text(json.dumps(res, indent=1))
    md = markdown(res); Path(a.out + '.md').write_text(md); print(md)
    print(f"saved {a.out}.json/.md")


if __name__ == '__main__': main()
