"""Choose the setting of `nbs/tutorial.imbalance.ipynb` on training data only.

Four CIFAR-10 classes (two major, two minor), trained with ERM and with MFW (s = 0.5 major / 0 minor, as in the paper's
illustrative experiment). The evaluation set here is a balanced *held-out* split drawn from the CIFAR-10 training
images the imbalanced sub-sample did not keep: the test set is never loaded. For each setting this records, per
epoch, the per-class training accuracy, classification ratio and feature-gradient norm (`TrainingProgress`) and the
per-class held-out accuracy, optionally the feature deviation along the epochs (`DeviationProgress`), then the final
feature deviation (training against held-out features), the epoch from which each class *stays* at or above 50%
training accuracy, how much each class's training accuracy moves from one epoch to the next, and the wall time.

    python bench/tutorial_setting.py --tag G --bs 32 --lr 0.1 --out bench/results/x.jsonl          # one candidate, seed 0
    python bench/tutorial_setting.py --tag G --bs 32 --train-seeds 0 1 2 3 4 --out bench/results/x.jsonl  # the tutorial's band
    python bench/tutorial_setting.py --report bench/results/x.jsonl   # the runs as a Markdown table
"""
import argparse, json, os, platform, random, time
from pathlib import Path
import numpy as np, pandas as pd, torch
from mfw_fastai.all import *

def heldout_items(classes, counts, n_heldout, seed=0):
    "Training rows of the imbalanced sub-sample, and `n_heldout` unused training images per class as the evaluation split"
    items = folder_items(cifar_path('cifar10'), 'train', 'test')
    tr = items[(items.split == 'train') & items.label.isin(classes)]
    kept = imbalanced_df(tr, 'label', counts=counts, seed=seed, vocab=classes)
    rest = tr[~tr.fname.isin(set(kept.fname))]
    ho = imbalanced_df(rest, 'label', 'none', n_max=n_heldout, seed=seed + 1, vocab=classes).assign(split='valid')
    return pd.concat([kept, ho], ignore_index=True)

def stays_above(acc, at=0.5):
    "First epoch (from 1) from which `acc` (one value per epoch) stays >= `at` to the end; None if its last value is below"
    acc = np.asarray(acc); below = np.nonzero(acc < at)[0]
    return 1 if len(below) == 0 else None if below[-1] == len(acc) - 1 else int(below[-1]) + 2

def swing(acc):
    "Mean absolute change of `acc` from one epoch to the next (0: a smooth curve)"
    return float(np.abs(np.diff(np.asarray(acc, dtype=float))).mean())

def tutorial_dls(a):
    "The tutorial's `DataLoaders`: the imbalanced sub-sample (seed `a.seed`) and the held-out split as validation set"
    counts = [a.n_major]*2 + [a.n_minor]*2
    set_seed(a.seed) # fastai's DataLoader draws its shuffling seed from Python's random when it is built
    dls = imbalanced_dls(heldout_items(a.classes, counts, a.n_heldout, a.seed), counts=counts, vocab=a.classes, seed=a.seed,
                         bs=a.bs, pad=a.pad or None, stats=cifar_stats)
    assert class_counts(dls) == counts
    return dls

def train(dls, a, method, seed):
    "Train ERM or MFW as the tutorial does, with training seed `seed`; returns the learner, its `TrainingProgress` and `DeviationProgress`"
    set_seed(seed); dls.train.rng = random.Random(seed) # the same shuffling whatever was trained before
    tp, dp = TrainingProgress(n_per_class=a.n_per_class), DeviationProgress(every=a.deviation_every or a.epochs)
    weights = [.5, .5, 0, 0] if a.beta is None else mfw_weights(class_counts(dls), a.beta).tolist() # the illustrative s, or s(N) with softness β
    learn = mfw_learner(dls, CifarResNet((int(a.arch[6:]) - 2) // 6, 4), alpha=a.alpha if method == 'mfw' else None, weights=weights,
                        group=a.group, lr=a.lr, cbs=[tp, dp], verbose=False)
    with learn.no_bar(), learn.no_logging(): learn.fit_warmup_cosine(a.epochs, warmup=a.warmup)
    return learn, tp, dp

def run(a):
    "Train every method of the setting `a` with each training seed; returns one record per training seed"
    dls, out = tutorial_dls(a), []
    for seed in a.train_seeds:
        res = dict(settings=vars(a), train_seed=seed, counts=class_counts(dls), date=time.strftime('%Y-%m-%d %H:%M'),
                   machine=f"{platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", threads=torch.get_num_threads())
        for m in a.methods:
            t0 = time.perf_counter()
            learn, tp, dp = train(dls, a, m, seed)
            secs = time.perf_counter() - t0
            df = tp.to_df()
            curves = {k: df.pivot(index='epoch', columns='class', values=k)[a.classes] for k in ('train_acc', 'ratio', 'grad_norm', 'test_acc')
                      if k in df} # no gradient norms when MFW mixes the images (group 0)
            dev = learner_feature_deviation(learn).tolist()
            res[m] = dict(seconds=round(secs, 1), deviation=dev,
                          stays_above_50=[stays_above(curves['train_acc'][c]) for c in a.classes],
                          swing=[round(swing(curves['train_acc'][c]), 4) for c in a.classes],
                          deviation_epochs=[dict(epoch=r['epoch'] + 1, deviation=r['deviation']) for r in dp.records],
                          **{k: v.values.tolist() for k, v in curves.items()})
            last = df[df.epoch == df.epoch.max()].set_index('class').loc[a.classes]
            print(f"{m} seed {seed}: {secs:.0f} s; held-out acc {(100*last.test_acc).round(1).tolist()} (mean {100*last.test_acc.mean():.1f}); "
                  f"train acc {(100*last.train_acc).round(1).tolist()}; stays >= 50% from epoch {res[m]['stays_above_50']}; "
                  f"swing {res[m]['swing']}; deviation {np.round(dev, 3).tolist()}", flush=True)
        out.append(res)
    return out

def report(fn)->str:
    "The runs of the JSON-lines file `fn` as a Markdown table (one row per candidate, training seed and method)"
    rows = ["| candidate | images per class | augmentation | batch, lr | epochs | α, group, β | seed | method | stays >= 50% training "
            "accuracy from epoch | swing of training accuracy | held-out accuracy % at the end | mean | minor-class feature deviation | minutes |",
            '|' + '---|'*14]
    for l in Path(fn).read_text().splitlines():
        r = json.loads(l); s = r['settings']
        for m in s['methods']:
            d = r[m]; acc = np.asarray(d['train_acc']).T # per class (older files lack stays_above_50 and swing)
            rows.append(f"| {s.get('tag') or '-'} | {s['n_major']} / {s['n_minor']} | {'pad %d, crop, flip' % s['pad'] if s['pad'] else 'none'} | "
                        f"{s['bs']}, {s['lr']:g} | {s['epochs']} | {s['alpha']:g}, {s.get('group', 2)}, {s.get('beta') or '-'} | "
                        f"{r.get('train_seed', s['seed'])} | {m.upper()} | {', '.join(str(stays_above(c) or '-') for c in acc)} | "
                        f"{', '.join(f'{swing(c):.3f}' for c in acc)} | {', '.join(f'{100*x:.1f}' for x in d['test_acc'][-1])} | "
                        f"{100*np.mean(d['test_acc'][-1]):.1f} | {d['deviation'][2]:.3f}, {d['deviation'][3]:.3f} | {d['seconds']/60:.1f} |")
    return '\n'.join(rows)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--tag', default='', help="name of the candidate in the report")
    p.add_argument('--classes', nargs=4, default=['airplane', 'automobile', 'ship', 'truck'])
    p.add_argument('--n-major', type=int, default=500); p.add_argument('--n-minor', type=int, default=20)
    p.add_argument('--epochs', type=int, default=40); p.add_argument('--arch', default='resnet8', help="resnet8, resnet14, resnet20, ... (6n+2)")
    p.add_argument('--alpha', type=float, default=2.); p.add_argument('--lr', type=float, default=0.1)
    p.add_argument('--bs', type=int, default=128); p.add_argument('--warmup', type=float, default=2)
    p.add_argument('--pad', type=int, default=0, help="augmentation padding; 0: no augmentation")
    p.add_argument('--n-heldout', type=int, default=100, help="held-out images per class (unused training images)")
    p.add_argument('--seed', type=int, default=0, help="seed of the sub-sample and the held-out split")
    p.add_argument('--train-seeds', type=int, nargs='+', default=[0], help="training seeds (initialisation, shuffling, MFW's draws)")
    p.add_argument('--group', type=int, default=2, help="MFW mixes after this group (0: the images)")
    p.add_argument('--beta', type=float, default=None, help="MFW's weights s(N) with this softness β (default: 0.5 major, 0 minor)")
    p.add_argument('--n-per-class', type=int, default=100, help="training accuracy on at most this many images per class")
    p.add_argument('--deviation-every', type=int, default=2, help="record the feature deviation every k epochs (0: only at the end)")
    p.add_argument('--methods', nargs='+', default=['erm', 'mfw'], choices=['erm', 'mfw'])
    p.add_argument('--out', default='bench/results/tutorial-setting.jsonl')
    p.add_argument('--report', metavar='JSONL', help="print the Markdown table of a results file, train nothing")
    a = p.parse_args()
    if a.report:
        if not Path(a.report).is_file(): p.error(f"--report: no file {a.report}")
        return print(report(a.report))
    if a.arch[:6] != 'resnet' or not a.arch[6:].isdigit() or (int(a.arch[6:]) - 2) % 6: p.error(f"--arch must be resnet<6n+2>, got {a.arch!r}")
    if not 0 <= a.group <= 4: p.error(f"--group must be 0 (the images) to 4 (the last stage of a CIFAR ResNet), got {a.group}")
    if min(a.n_major, a.n_minor, a.n_heldout, a.bs, a.epochs) < 1: p.error("--n-major, --n-minor, --n-heldout, --bs and --epochs must be >= 1")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    for res in run(a):
        with open(a.out, 'a') as f: f.write(json.dumps(res) + '\n')

if __name__ == '__main__': main()
