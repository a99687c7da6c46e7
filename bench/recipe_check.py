"""Is `mfw-train`'s loop the paper's recipe? A check of each part against an independent computation, on the data and
model the paper suite trains (`reproduce.py paper`: long-tailed CIFAR-10, rho = 100, ResNet-32), for issue 34's
"find out why" before any 300-epoch result is in:

  1. data:         the class counts against floor(n_max * rho^(-i/(C-1))) for CIFAR-10 and CIFAR-100 (12,406 and 10,847
                   images), and the test sets' 1,000 / 100 per class
  2. augmentation: the training batch transform against torchvision's RandomCrop(32, padding=4) (zero fill) and
                   horizontal flip, image by image: every augmented image must equal one of the 81 x 2 crops/flips of its
                   own zero-padded original, and the offsets and flips must be uniform (chi-square)
  3. optimizer:    every parameter (BatchNorm weights and biases included, as in the LDAM-DRW code) under PyTorch's SGD
                   with momentum 0.9, dampening 0, no Nesterov, L2 weight decay 2e-4
  4. schedule:     the learning rate of every step of the 300-epoch schedule (97 steps an epoch) against the formula
                   lr/100 -> lr linearly over 5 epochs, then lr (1 + cos(pi t)) / 2
  5. the loop:     `mfw-train`'s learner (ERM) against a plain PyTorch loop written here (SGD as above, the formula's lr set
                   before every step, cross-entropy, train mode), from the same initial weights on the same augmented
                   batches, over a short schedule on a subset (4 epochs, 1 of warm-up): per-step loss and final weights.

    python bench/recipe_check.py          # ~2 min on one core; writes bench/results/recipe-check-cpu-<date>.txt
"""
import argparse, contextlib, io, math, platform, sys, time
from pathlib import Path

import numpy as np
import torch, torch.nn.functional as F
import torchvision.transforms.v2.functional as TF

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent))
from fastai.vision.all import Callback, TensorImage, set_seed  # noqa: E402
from mfw_fastai.run import check_config, _dls, _learner, machine_info  # noqa: E402
from mfw_fastai.data import PadCropFlip, cifar_path  # noqa: E402
from mfw_fastai.metrics import class_counts  # noqa: E402

out = []
def say(s=''): print(s); out.append(s)
def verdict(ok): return 'OK' if ok else 'DIFFERENT'


def check_counts():
    "Check the training and test counts of both data sets; returns (ok, {dataset: the DataLoaders built})"
    say('1. Data: class counts')
    ok, built = True, {}
    for ds, n_max, C, total in (('cifar10', 5000, 10, 12406), ('cifar100', 500, 100, 10847)):
        ref = [math.floor(n_max * 100 ** (-i / (C - 1))) for i in range(C)]
        try: path = cifar_path(ds)
        except Exception as e: say(f'   {ds}: not found here ({e}); skipped'); continue
        with contextlib.redirect_stdout(io.StringIO()):
            dls = built[ds] = _dls(check_config(dict(dataset=ds, imbalance='exp', rho=100, bs=128)))
        got = class_counts(dls)
        test = np.bincount([int(y) for _, y in dls.valid_ds], minlength=C) if ds == 'cifar10' else \
               np.bincount(dls.valid.ys.numpy() if getattr(dls.valid, 'ys', None) is not None else [int(y) for _, y in dls.valid_ds], minlength=C)
        good = got == ref and sum(got) == total and set(test.tolist()) == {10000 // C}
        ok &= good
        say(f'   {ds} at {path}: training {sum(got):,} images (reference {total:,}), counts {"= the formula" if got == ref else got}; '
            f'test {test.sum():,} images, {sorted(set(test.tolist()))} per class: {verdict(good)}')
    return ok, built


def check_augmentation(dls, n=512):
    say('2. Augmentation: pad 4 (zero), random 32x32 crop, random horizontal flip')
    tf = [t for t in dls.train.after_batch.fs if isinstance(t, PadCropFlip)]
    if len(tf) != 1: say(f'   the training batch transforms hold {len(tf)} PadCropFlip: DIFFERENT'); return False
    x = dls.train.xs[:n].clone() # uint8 originals, (n, 3, 32, 32)
    torch.manual_seed(1)
    y = tf[0](TensorImage(x))
    cands = []
    for oy in range(9):
        for ox in range(9):
            for fl in (False, True):
                c = TF.crop(TF.pad(x, [4], fill=0), oy, ox, 32, 32) # torchvision's RandomCrop(32, padding=4) at offset (oy, ox)
                cands.append(((oy, ox, fl), TF.horizontal_flip(c) if fl else c))
    found, match = [], 0
    for i in range(n):
        hits = [k for k, c in cands if torch.equal(c[i], y[i])]
        if hits: match += 1; found.append(hits[0])
    ok = match == n
    # uniformity: 9 vertical offsets, 9 horizontal, 2 flips (ambiguous images, e.g. symmetric ones, count as their first match)
    torch.manual_seed(2)
    oy, ox, fl = tf[0].params(200_000)
    def chi2(v, k): e = len(v) / k; c = np.bincount(v, minlength=k); return ((c - e) ** 2 / e).sum()
    c_oy, c_ox, c_fl = chi2(oy.numpy(), 9), chi2(ox.numpy(), 9), chi2(fl.numpy().astype(int), 2)
    uni = c_oy < 26.1 and c_ox < 26.1 and c_fl < 10.8 # chi-square 99.9% points: 8 d.o.f. 26.1, 1 d.o.f. 10.8
    say(f'   {match} of {n} augmented images equal a torchvision crop/flip of their own zero-padded original: {verdict(ok)}')
    say(f'   offsets and flips of 200,000 draws: chi-square {c_oy:.1f} and {c_ox:.1f} (8 d.o.f.), {c_fl:.1f} (1 d.o.f.); '
        f'flipped {fl.float().mean():.4f}: {verdict(uni)}')
    return ok and uni


def check_optimizer(learn):
    say('3. Optimizer: which parameters get weight decay and momentum')
    learn.create_opt()
    opt = learn.opt.opt
    ids = {id(p): g for g in opt.param_groups for p in g['params']}
    params = list(learn.model.named_parameters())
    bn_bias = [n for n, p in params if p.ndim == 1]
    wrong = [n for n, p in params if id(p) not in ids or ids[id(p)]['weight_decay'] != 2e-4 or ids[id(p)]['momentum'] != 0.9
             or ids[id(p)]['dampening'] != 0 or ids[id(p)]['nesterov']]
    ok = type(opt) is torch.optim.SGD and not wrong
    say(f'   {type(opt).__name__}; {len(params)} parameter tensors, {len(bn_bias)} of them BatchNorm weights/biases or biases; '
        f'all with weight_decay 2e-4, momentum 0.9, dampening 0, no Nesterov: {verdict(ok)}' + (f' (not: {wrong[:5]})' if wrong else ''))
    return ok


def formula(step, total, lr, warm_steps):
    "The paper's schedule, written here: linear from lr/100 to lr over the warm-up, then cosine to 0"
    t = step / total
    p = warm_steps / total
    if t < p: return lr / 100 + (lr - lr / 100) * t / p
    return lr * (1 + math.cos(math.pi * (t - p) / (1 - p))) / 2


class Record(Callback):
    "The initial weights, each step's augmented batch, learning rate and loss"
    order = 99
    def before_fit(self): self.w0 = {k: v.detach().clone() for k, v in self.model.state_dict().items()}; self.rows = []
    def before_step(self):
        self.rows.append(dict(x=self.xb[0].detach().clone(), y=self.yb[0].detach().clone(), lr=self.opt.opt.param_groups[0]['lr'],
                              loss=self.loss.item(), w={k: p.detach().clone() for k, p in self.model.named_parameters()} if len(self.rows) == 1 else None))


def check_schedule(dls):
    say('4. Schedule: lr of every step of the 300-epoch run (97 steps an epoch, 5 of warm-up)')
    nb, ref_nb = len(dls.train), math.ceil(len(dls.train_ds) / 128)
    say(f'   batches an epoch: {nb} for {len(dls.train_ds):,} images (the last one short, as a PyTorch DataLoader without drop_last: '
        f'{ref_nb}): {verdict(nb == ref_nb == 97)}')
    from fastai.vision.all import combine_scheds, SchedLin, SchedCos
    n_ep, spe, lr = 300, 97, 0.1
    total = n_ep * spe
    p = 5 / n_ep
    sched = combine_scheds([p, 1 - p], [SchedLin(lr / 100, lr), SchedCos(lr, 0.)]) # what fit_warmup_cosine gives ParamScheduler
    ours = np.array([sched(i / total) for i in range(total)])
    ref = np.array([formula(i, total, lr, 5 * spe) for i in range(total)])
    err = np.abs(ours - ref).max()
    say(f'   max |difference| over {total:,} steps: {err:.1e} (float32 rounding of the position in the schedule); lr at the end '
        f'of epochs 5, 150, 240, 300: ' + ', '.join(f'{ours[e * spe - 1]:.5f}' for e in (5, 150, 240, 300)) + f': {verdict(err < 1e-6)}')
    return err < 1e-6 and nb == ref_nb == 97


def check_loop(epochs=4, warmup=1, n_max=500):
    say(f'5. The loop: mfw-train (ERM) against a plain PyTorch loop, {epochs} epochs ({warmup} of warm-up) on long-tailed '
        f'CIFAR-10 rho = 100 with n_max = {n_max}')
    cfg = check_config(dict(dataset='cifar10', imbalance='exp', rho=100, n_max=n_max, method='erm', arch='resnet32',
                            epochs=epochs, warmup=warmup, seed=0, bs=128))
    set_seed(0, reproducible=True)
    with contextlib.redirect_stdout(io.StringIO()):
        dls = _dls(cfg); learn = _learner(cfg, dls, class_counts(dls))
    rec = Record()
    with learn.no_bar(), learn.no_logging(): learn.fit_warmup_cosine(epochs, warmup=warmup, cbs=rec)
    rows, total = rec.rows, len(rec.rows)
    spe = total // epochs
    # the plain loop, from the same initial weights and batches, with the learner's own lr at each step (the formula's
    # values differ from them by float32 rounding, below; at this start, loss ~6.5 and lr up to 0.1, any difference of
    # 1e-8 grows step by step to visible ones, so an independent formula cannot be compared bit for bit)
    with contextlib.redirect_stdout(io.StringIO()): m = _learner(cfg, dls, class_counts(dls)).model
    ref_lr = np.array([formula(i, total, 0.1, warmup * spe) for i in range(total)])
    dlr = np.abs(ref_lr - np.array([r['lr'] for r in rows])).max()
    say(f'   {total} steps ({spe} an epoch); the learner\'s lr against the formula: max |difference| {dlr:.1e} (float32 rounding)')
    ok = dlr < 1e-6
    for fmt, name in ((torch.channels_last, 'channels_last, as mfw_learner trains'), (torch.contiguous_format, 'default memory format')):
        m = m.to(memory_format=fmt); m.load_state_dict(rec.w0); m.train()
        opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-4)
        losses, w1 = [], None
        for i, r in enumerate(rows):
            for g in opt.param_groups: g['lr'] = r['lr']
            loss = F.cross_entropy(m(r['x'].contiguous(memory_format=fmt)), r['y'])
            opt.zero_grad(); loss.backward(); opt.step()
            losses.append(loss.item())
            if i == 0: w1 = max((p.detach() - rows[1]['w'][k]).abs().max().item() for k, p in m.named_parameters())
        sd, ld = m.state_dict(), learn.model.state_dict()
        dw = max(((sd[k].float() - ld[k].float()).abs().max() / ld[k].float().abs().max().clamp_min(1e-12)).item() for k in sd)
        dloss = np.abs(np.array(losses) - np.array([r['loss'] for r in rows])).max()
        say(f'   plain loop, {name}: losses {losses[0]:.3f} -> {losses[-1]:.3f}; max |loss difference| {dloss:.1e}; '
            f'max |weight difference| after step 1 {w1:.1e}, after step {total} {dw:.1e} (relative to the tensor\'s largest entry, buffers included)')
        if fmt is torch.channels_last: exact = dloss == 0 and dw == 0; ok &= exact
        else: ok &= w1 < 1e-5
    say(f'   same memory format: {"bit-identical" if exact else "not bit-identical"}; the default format differs by float '
        f'rounding after one step (other kernels), grown over the steps as above: {verdict(ok)}')
    return ok


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default=None, help="output file (default bench/results/recipe-check-cpu-<date>.txt)")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    mi = machine_info()
    say(f"recipe check, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {mi['cpu']}, "
        f"{a.threads} thread(s); torch {torch.__version__}")
    say()
    ok, built = check_counts()
    oks = [ok]
    cfg = check_config(dict(dataset='cifar10', imbalance='exp', rho=100, method='erm', arch='resnet32', seed=0, bs=128))
    set_seed(0, reproducible=True)
    with contextlib.redirect_stdout(io.StringIO()):
        dls = built.get('cifar10') or _dls(cfg) # the same data settings as the counts' (only the model's settings differ)
        learn = _learner(cfg, dls, class_counts(dls))
    oks += [check_augmentation(dls), check_optimizer(learn), check_schedule(dls), check_loop()]
    say()
    say(f"{sum(oks)} of {len(oks)} parts as the recipe says; {time.perf_counter() - t0:.0f} s")
    fn = Path(a.out) if a.out else here/'results'/f"recipe-check-cpu-{time.strftime('%Y-%m-%d')}.txt"
    fn.write_text('\n'.join(out) + '\n'); print(f'-> {fn}')
    return 0 if all(oks) else 1


if __name__ == '__main__': sys.exit(main())
