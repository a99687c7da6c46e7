"""The paper's recipe on the CPU (`python bench/reproduce.py paper`): its runs beside the paper's Table 1, per class and
along the epochs, from what the repository holds:

  finished runs   bench/results/runs/<name>/ (results.json, per_class.csv, history.csv, deviation.csv, config.json)
  stopped runs    bench/results/resume/<name>/ (the resume point: point.json, and the checkpoint's history and records)
  live runs       --runs-dir (default ~/mfw-paper-runs/paper), if the checkpoint there is further along

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

POINTS = here/'results'/'resume'
OUT = here/'results'/'paper-recipe-cpu'
# Recorder columns of mfw-train's runs: train_loss, valid_loss, accuracy, balanced accuracy, many, medium, few
ACC = 2


def _from_checkpoint(ck):
    "epochs done, the test accuracy at each evaluated epoch, and the deviation records, from a checkpoint"
    c = _load(ck)
    acc = [[e + 1, v[ACC]] for e, v in enumerate(c['values']) if len(v) > ACC and v[ACC] is not None]
    dev = c.get('cbs', {}).get('DeviationProgress', {}).get('records', [])
    return c['epoch'] + 1, acc, [[r['epoch'] + 1, list(r['deviation'])] for r in dev]


def run_row(s, seed, runs_dir):
    name = name_of(s, seed)
    row = dict(name=name, dataset=s['dataset'], method=s['method'], alpha=s['alpha'] if s['method'].startswith('mfw') else None,
               seed=seed, n_epoch=s['epochs'], paper=paper_table1[s['dataset']][s['method']][f"exp{s['rho']:g}"])
    fin = RECORD/name
    if (fin/'results.json').exists():
        res, cfg = (json.loads((fin/f).read_text()) for f in ('results.json', 'config.json'))
        hist = pd.read_csv(fin/'history.csv') if (fin/'history.csv').exists() else None
        dev = pd.read_csv(fin/'deviation.csv') if (fin/'deviation.csv').exists() else None
        return dict(row, state='finished', epochs_done=s['epochs'], accuracy=res['accuracy'], per_class_accuracy=res['per_class_accuracy'],
                    class_counts=cfg['class_counts'], vocab=cfg['vocab'], seconds=res['seconds'], images_per_second=res['images_per_second'],
                    machine=cfg['machine'], precision=cfg.get('precision', 'fp32'),
                    test_acc=[] if hist is None else [[int(i) + 1, a] for i, a in zip(hist.epoch, hist.accuracy) if pd.notna(a)],
                    deviation=[] if dev is None else [[int(e), g.sort_values('class', key=lambda c: c.map({v: i for i, v in enumerate(cfg['vocab'])})).deviation.tolist()]
                                                       for e, g in dev.groupby('epoch')])
    best = None # (epochs, source folder) of the furthest checkpoint: the repository's resume point or a live run here
    for d in (POINTS/name, Path(runs_dir)/name):
        if (d/'checkpoint.pth').exists():
            ep = _from_checkpoint(d/'checkpoint.pth')
            if best is None or ep[0] > best[0][0]: best = (ep, d)
    if best is None: return dict(row, state='not started', epochs_done=0)
    (done, acc, dev), d = best
    cfg = json.loads((d/'config.json').read_text())
    return dict(row, state='stopped' if d.parent == POINTS else 'training', epochs_done=done, class_counts=cfg['class_counts'],
                vocab=cfg['vocab'], machine=cfg['machine'], precision=cfg.get('precision', 'fp32'), test_acc=acc, deviation=dev)


def markdown(rows):
    lines = ["The paper's recipe on the CPU: ResNet-32, 300 epochs (5 of linear warm-up, then cosine), batch 128, SGD "
             "(momentum 0.9, weight decay 2e-4), lr 0.1, long-tailed rho = 100, seed 0; final epoch on the whole test set.", '',
             '| data set | method | alpha | seed | state | accuracy % | paper % |', '|---|---|---|---|---|---|---|']
    for r in rows:
        acc = f"{100*r['accuracy']:.1f}" if r['state'] == 'finished' else f"{r['epochs_done']} of {r['n_epoch']} epochs"
        alpha = '-' if r['alpha'] is None else f"{r['alpha']:g}"
        lines.append(f"| {r['dataset']} | {r['method']} | {alpha} | {r['seed']} | {r['state']} | {acc} | {r['paper']:.1f} |")
    return '\n'.join(lines) + '\n'


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--runs-dir', default=str(Path.home()/'mfw-paper-runs'/'paper'), help="where live runs train (their folders)")
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--out', default=str(OUT), help="output stem (.json and .md)")
    a = p.parse_args(argv)
    rows = [run_row(s, seed, a.runs_dir) for s in suite('paper') for seed in a.seeds]
    Path(a.out).with_suffix('.json').write_text(json.dumps({'runs': rows}, indent=1))
    md = markdown(rows); Path(a.out).with_suffix('.md').write_text(md); print(md)


if __name__ == '__main__': main()
