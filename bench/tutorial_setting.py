"""Choose the setting of `nbs/tutorial.imbalance.ipynb` on training data only.

Four CIFAR-10 classes (two major, two minor), trained with ERM and with MFW (s = 0.5 major / 0 minor, as in the paper's
illustrative experiment). The evaluation set here is a balanced *held-out* split drawn from the CIFAR-10 training
images the imbalanced sub-sample did not keep: the test set is never loaded. For each setting this records, per
epoch, the per-class training accuracy, classification ratio and feature-gradient norm (`TrainingProgress`) and the
per-class held-out accuracy, then the feature deviation (training against held-out features) and the wall time.

    python bench/tutorial_setting.py --n-major 500 --n-minor 10 --epochs 40
"""
import argparse, json, os, platform, time
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

class PrintProgress(Callback):
    "Print the last `TrainingProgress` record after each epoch: per-class training accuracy, ratio, gradient norm, held-out accuracy"
    order = TrainingProgress.order + 1
    def __init__(self, tp, label): self.tp, self.label = tp, label
    def after_epoch(self):
        if not self.tp.records or self.tp.records[-1]['epoch'] != self.epoch: return
        r = self.tp.records[-1]
        f = lambda k, m=100: ' '.join(f"{m*float(v):6.3g}" for v in r[k]) if k in r else '-'
        print(f"{self.label} {self.epoch+1:3d} train {f('train_acc')} | ratio {f('ratio', 1)} | grad {f('grad_norm', 1)} | held-out {f('test_acc')}", flush=True)

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--classes', nargs=4, default=['airplane', 'automobile', 'ship', 'truck'])
    p.add_argument('--n-major', type=int, default=500); p.add_argument('--n-minor', type=int, default=10)
    p.add_argument('--epochs', type=int, default=40); p.add_argument('--arch', default='resnet8', help="resnet8, resnet14, resnet20, ... (6n+2)")
    p.add_argument('--alpha', type=float, default=2.); p.add_argument('--lr', type=float, default=0.1)
    p.add_argument('--bs', type=int, default=128); p.add_argument('--warmup', type=float, default=2)
    p.add_argument('--pad', type=int, default=4, help="augmentation padding; 0: no augmentation")
    p.add_argument('--n-heldout', type=int, default=250); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--methods', nargs='+', default=['erm', 'mfw'])
    p.add_argument('--out', default='bench/results/tutorial-setting.jsonl')
    a = p.parse_args()
    counts = [a.n_major]*2 + [a.n_minor]*2
    dls = imbalanced_dls(heldout_items(a.classes, counts, a.n_heldout, a.seed), counts=counts, vocab=a.classes, seed=a.seed,
                         bs=a.bs, pad=a.pad or None, stats=cifar_stats)
    assert class_counts(dls) == counts
    res = dict(settings=vars(a), counts=counts, machine=f"{platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
               threads=torch.get_num_threads(), date=time.strftime('%Y-%m-%d %H:%M'))
    for m in a.methods:
        set_seed(a.seed)
        tp = TrainingProgress()
        model = CifarResNet((int(a.arch[6:]) - 2) // 6, 4) # resnet8: one block per stage
        learn = mfw_learner(dls, model, alpha=a.alpha if m == 'mfw' else None, weights=[.5, .5, 0, 0],
                            lr=a.lr, cbs=[tp, PrintProgress(tp, m)], verbose=False)
        t0 = time.perf_counter()
        with learn.no_bar(), learn.no_logging(): learn.fit_warmup_cosine(a.epochs, warmup=a.warmup)
        secs = time.perf_counter() - t0
        df = tp.to_df()
        dev = learner_feature_deviation(learn).tolist()
        res[m] = dict(seconds=round(secs, 1), deviation=dev,
                      **{k: df.pivot(index='epoch', columns='class', values=k)[a.classes].round(4).values.tolist()
                         for k in ('train_acc', 'ratio', 'grad_norm', 'test_acc')})
        last = df[df.epoch == df.epoch.max()].set_index('class').loc[a.classes]
        print(f"{m}: {secs:.0f} s; held-out acc {(100*last.test_acc).round(1).tolist()} (mean {100*last.test_acc.mean():.1f}); "
              f"train acc {(100*last.train_acc).round(1).tolist()}; deviation {np.round(dev, 3).tolist()}", flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, 'a') as f: f.write(json.dumps(res) + '\n')

if __name__ == '__main__': main()
