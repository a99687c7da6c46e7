"""The paper's recipe on the CPU (`python bench/reproduce.py paper`): its runs beside the paper's Table 1, per class and
along the epochs, from what the repository holds:

  finished runs   bench/results/runs/<name>/ (results.json, per_class.csv, history.csv, deviation.csv, config.json)
  stopped runs    bench/results/resume/<name>/ (the resume point: point.json, and the checkpoint's history and records)
  live runs       --runs-dir (default ~/mfw-paper-runs: reproduce.py's, each suite's runs in a folder of its name), if the
                  checkpoint there is further along

The paper-weights suite's run (MFW at beta = 0.01, a diagnostic of a gap to the paper, never a row of the table) goes to
the JSON's `diagnostics`.

    python bench/paper_recipe.py                 # writes bench/results/paper-recipe-cpu.json and .md

Accuracy is the final epoch's, on the whole balanced test set (10,000 images), never the best epoch's. A run that has
not finished gives its progress (epochs done) and no accuracy.
"""
import argparse, json, sys
from pathlib import Path

import pandas as pd
import torch

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent)); sys.path.insert(0, str(here))
from reproduce import suite, name_of, RECORD  # noqa: E402
from mfw_fastai.cli import paper_table1  # noqa: E402
from mfw_fastai.callback.checkpoint import _load  # noqa: E402
from paper_view import LABEL, NAME, class_groups, all_finished, plottable  # noqa: E402,F401  (class_groups: the tests read it here)

POINTS = here/'results'/'resume'
OUT = here/'results'/'paper-recipe-cpu'
# Recorder columns of mfw-train's runs: train_loss, valid_loss, accuracy, balanced accuracy, many, medium, few
ACC = 2


def _from_checkpoint(ck):
    "epochs done, the test accuracy at each evaluated epoch, and the deviation records, from a checkpoint"
    c = _load(ck)
    acc = [[e + 1, v[ACC]] for e, v in enumerate(c['values']) if len(v) > ACC and v[ACC] is not None]
    dev = c.get('cbs', {}).get('DeviationProgress', {}).get('records', [])
    return (c['epoch'] + 1, acc, [[r['epoch'] + 1, list(r['deviation'])] for r in dev],
            {k: [[r['epoch'] + 1, list(r[k])] for r in dev if r.get(k) is not None] for k in ('train_acc', 'test_acc')})


def _per_epoch(df, vocab, col):
    "[[epoch, [value of each class in `vocab` order]], ...] from a deviation.csv table, the epochs where `col` was measured"
    if df is None or col not in df or df[col].isna().all(): return []
    order = {v: i for i, v in enumerate(vocab)}
    return [[int(e), g.sort_values('class', key=lambda c: c.map(order))[col].tolist()] for e, g in df.dropna(subset=[col]).groupby('epoch')]


def run_row(s, seed, runs_dir):
    name = name_of(s, seed)
    row = dict(name=name, dataset=s['dataset'], method=s['method'], alpha=s['alpha'] if s['method'].startswith('mfw') else None,
               seed=seed, n_epoch=s['epochs'], beta=s.get('beta'), paper=paper_table1[s['dataset']][s['method']][f"exp{s['rho']:g}"])
    fin = RECORD/name
    if not (fin/'results.json').exists() and (Path(runs_dir)/name/'results.json').exists(): fin = Path(runs_dir)/name # finished here, not yet recorded
    if (fin/'results.json').exists():
        res, cfg = (json.loads((fin/f).read_text()) for f in ('results.json', 'config.json'))
        hist = pd.read_csv(fin/'history.csv') if (fin/'history.csv').exists() else None
        dev = pd.read_csv(fin/'deviation.csv') if (fin/'deviation.csv').exists() else None
        return dict(row, state='finished', epochs_done=s['epochs'], accuracy=res['accuracy'], per_class_accuracy=res['per_class_accuracy'],
                    class_counts=cfg['class_counts'], vocab=cfg['vocab'], seconds=res['seconds'], images_per_second=res['images_per_second'],
                    machine=cfg['machine'], precision=cfg.get('precision', 'fp32'), started_from=cfg.get('started_from'),
                    test_acc=[] if hist is None else [[int(i) + 1, a] for i, a in zip(hist.epoch, hist.accuracy) if pd.notna(a)],
                    deviation=_per_epoch(dev, cfg['vocab'], 'deviation'), train_acc_per_class=_per_epoch(dev, cfg['vocab'], 'train_acc'),
                    test_acc_per_class=_per_epoch(dev, cfg['vocab'], 'test_acc'))
    best = None # (epochs, source folder) of the furthest checkpoint: the repository's resume point or a live run here
    for d in (POINTS/name, Path(runs_dir)/name):
        if (d/'checkpoint.pth').exists():
            ep = _from_checkpoint(d/'checkpoint.pth')
            if best is None or ep[0] > best[0][0]: best = (ep, d)
    if best is None: return dict(row, state='not started', epochs_done=0)
    (done, acc, dev, pc), d = best
    cfg = json.loads((d/'config.json').read_text())
    return dict(row, state='stopped' if d.parent == POINTS else 'training', epochs_done=done, class_counts=cfg['class_counts'],
                vocab=cfg['vocab'], machine=cfg['machine'], precision=cfg.get('precision', 'fp32'), started_from=cfg.get('started_from'), test_acc=acc, deviation=dev,
                train_acc_per_class=pc['train_acc'], test_acc_per_class=pc['test_acc'])




def seed0(runs, dataset):
    "{method: run} of a data set's seed-0 runs"
    return {r['method']: r for r in runs if r['dataset'] == dataset and r['seed'] == 0}


def figure(runs, dataset):
    """One data set's seed-0 runs in three panels, or None when none has started: (a) the feature deviation of the largest
    and the smallest class along the epochs (the paper's Fig. 9), (b) their accuracy on their own measured training images
    (no augmentation, no MFW: the paper's Fig. 3), (c) when all three runs have finished, the test accuracy per class after
    the last epoch (largest class first); before that, the whole test set's accuracy every 10 epochs so far"""
    import matplotlib.pyplot as plt, numpy as np
    rs = seed0(runs, dataset)
    if not plottable(rs): return None
    fig, axs = plt.subplots(1, 3, figsize=(13, 3.7))
    ref = next(r for r in rs.values() if r.get('vocab'))
    ends = (0, len(ref['vocab']) - 1)
    for m, ls in (('erm', '--'), ('mfw', '-')):
        r = rs.get(m, {})
        for ci, col in zip(ends, ('C0', 'C3')):
            lab = f"{LABEL[m]}: {r.get('vocab', ref['vocab'])[ci]} ({ref['class_counts'][ci]:,} images)"
            for ax, key in ((axs[0], 'deviation'), (axs[1], 'train_acc_per_class')):
                pts = r.get(key) or []
                if pts: ax.plot([e for e, _ in pts], [(100 if key != 'deviation' else 1) * v[ci] for _, v in pts], ls, color=col, lw=1.3, label=lab)
    axs[0].set_ylabel('feature deviation'); axs[0].set_title(f'{NAME[dataset]}: feature deviation', fontsize=10)
    axs[1].set_ylabel('training accuracy %'); axs[1].set_ylim(-3, 103)
    axs[1].set_title(f'{NAME[dataset]}: accuracy on own training images', fontsize=10)
    for ax in axs[:2]:
        ax.set_xlabel('epoch'); ax.set_xlim(0, ref['n_epoch'])
        if ax.lines: ax.legend(fontsize=7)
        else: ax.text(0.5, 0.5, 'not recorded yet', transform=ax.transAxes, ha='center', va='center', color='0.4')
    if all_finished(rs):
        groups = class_groups(len(ref['vocab']))
        for m in LABEL:
            acc = np.array(rs[m]['per_class_accuracy'])
            axs[2].plot(range(len(groups)), [100 * acc[g].mean() for g in groups], marker='o', ms=3, lw=1.2, label=LABEL[m])
        ticks = [ref['vocab'][g[0]] if len(g) == 1 else f'{g[0] + 1}-{g[-1] + 1}' for g in groups]
        axs[2].set_xticks(range(len(groups)), ticks, rotation=90, fontsize=7); axs[2].set_ylim(-3, 103)
        axs[2].set_ylabel('test accuracy %'); axs[2].set_xlabel('class, largest first' if len(groups[0]) == 1 else 'classes (by size), largest first')
        axs[2].set_title(f'{NAME[dataset]}: test accuracy per class, last epoch', fontsize=10)
    else:
        for m in LABEL:
            r = rs.get(m, {})
            start = (r.get('started_from') or {}).get('epochs_done', 0) # a run started from another's checkpoint: its epochs before are the other's
            pts = [(e, 100 * a) for e, a in r.get('test_acc') or [] if e >= start]
            if pts: axs[2].plot(*zip(*pts), marker='o', ms=3, lw=1.2, label=LABEL[m] + (f' (from epoch {start})' if start else ''))
        axs[2].set_xlabel('epoch'); axs[2].set_xlim(0, ref['n_epoch']); axs[2].set_ylabel('test accuracy %')
        axs[2].set_title(f'{NAME[dataset]}: test accuracy every 10 epochs so far', fontsize=10)
    if axs[2].lines: axs[2].legend(fontsize=8)
    fig.tight_layout()
    return fig


def markdown(rows):
    lines = ["The paper's recipe on the CPU: ResNet-32, 300 epochs (5 of linear warm-up, then cosine), batch 128, SGD "
             "(momentum 0.9, weight decay 2e-4), lr 0.1, long-tailed rho = 100, seed 0; final epoch on the whole test set.", '',
             '| data set | method | alpha | seed | state | accuracy % | paper % |', '|---|---|---|---|---|---|---|']
    for r in rows:
        acc = f"{100*r['accuracy']:.1f}" if r['state'] == 'finished' else f"{r['epochs_done']} of {r['n_epoch']} epochs"
        alpha = '-' if r['alpha'] is None else f"{r['alpha']:g}"
        m = r['method'] + (f" (beta {r['beta']:g}; a diagnostic)" if r.get('beta') is not None else '')
        lines.append(f"| {r['dataset']} | {m} | {alpha} | {r['seed']} | {r['state']} | {acc} | {r['paper']:.1f} |")
    return '\n'.join(lines) + '\n'


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--runs-dir', default=str(Path.home()/'mfw-paper-runs'), help="where live runs train: reproduce.py's --runs-dir (a folder per suite)")
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--out', default=str(OUT), help="output stem (.json and .md)")
    a = p.parse_args(argv)
    rows = [run_row(s, seed, Path(a.runs_dir)/'paper') for s in suite('paper') for seed in a.seeds]
    diag = [run_row(s, 0, Path(a.runs_dir)/'paper-weights') for s in suite('paper-weights')]
    Path(a.out).with_suffix('.json').write_text(json.dumps({'runs': rows, 'diagnostics': diag}, indent=1))
    md = markdown(rows + diag); Path(a.out).with_suffix('.md').write_text(md); print(md)


if __name__ == '__main__': main()
