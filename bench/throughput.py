"""Training throughput of ResNet-32 on imbalanced CIFAR-10 (step, rho=100, by default), in one process, on the same data and model:

  (a) bare:      forward + backward + SGD step over pre-augmented, normalised tensors already in memory
  (b) reference: a plain PyTorch loop as research code writes it (PIL images, torchvision RandomCrop(32, padding=4),
                 RandomHorizontalFlip, ToTensor, Normalize, a DataLoader with workers; fp32 and the default memory
                 format, as research code runs it, also on a GPU)
  (c) erm:       our `mfw_learner` without MFW (tensor pipeline, batch augmentation, channels_last)
  (d) mfw:       our `mfw_learner` with MFW (alpha=1, after group 2)

Prints images/s and the ratios c/a, d/c, b/d (as epoch-time ratios), and saves
bench/results/throughput-<device>-<date>.json. Run on purpose, never in CI:

    python bench/throughput.py                 # CPU
    python bench/throughput.py --device cuda --n-batches 200 --workers 4
                                               # GPU: bf16 mixed precision, channels_last, augmentation on the device
                                               # (the reference loop keeps fp32 and 4 loader workers, as in the
                                               # reference LDAM-DRW code)

`--kind exp` times the long-tailed set instead (12,406 images; the speed per image is the same, and it is the
subset that `bench/carry_subset.py` sends to a GPU machine).
"""
import argparse, json, os, platform, time
from pathlib import Path

import numpy as np
import torch, torch.nn.functional as F
from PIL import Image


def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()


def bare(model, xs, ys, bs, n_batches, dev, amp):
    "Forward, backward and step over tensors already augmented, normalised and on the device"
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=2e-4)
    n = len(ys)
    def step(i):
        j = (i * bs) % (n - bs)
        x, y = xs[j:j+bs], ys[j:j+bs]
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
            loss = F.cross_entropy(model(x), y)
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    for i in range(5): step(i)
    sync(dev); t = time.perf_counter()
    for i in range(n_batches): step(i)
    sync(dev)
    return n_batches * bs / (time.perf_counter() - t)


class PILCifar(torch.utils.data.Dataset):
    "torchvision's CIFAR10 style: uint8 HWC arrays in memory, a PIL image made per item"
    def __init__(self, data, targets, transform): self.data, self.targets, self.transform = data, targets, transform
    def __len__(self): return len(self.targets)
    def __getitem__(self, i): return self.transform(Image.fromarray(self.data[i])), self.targets[i]


def reference(model, data, targets, bs, n_batches, dev, workers, stats):
    import torchvision.transforms as T
    tfm = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(*stats)])
    dl = torch.utils.data.DataLoader(PILCifar(data, targets, tfm), batch_size=bs, shuffle=True, num_workers=workers,
                                     pin_memory=dev.type == 'cuda', drop_last=True, persistent_workers=workers > 0)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=2e-4)
    model.train(); done, t = 0, None
    while True:
        for x, y in dl:
            if done == 5: sync(dev); t = time.perf_counter()
            x, y = x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(); loss.backward(); opt.step()
            done += 1
            if done == 5 + n_batches:
                sync(dev); return n_batches * bs / (time.perf_counter() - t)


def ours(dls, alpha, n_batches, dev, amp):
    from fastai.vision.all import Callback, CancelFitException, CancelValidException
    from mfw_fastai.all import mfw_learner, resnet32
    class Limit(Callback):
        "Time `n_batches` training batches after 5 warm-up ones (over as many epochs as that takes); skip validation"
        order = 100
        def before_fit(self): self.i, self.n = 0, 0
        def before_batch(self):
            if self.i == 5: sync(dev); self.t = time.perf_counter()
        def after_batch(self):
            if self.i >= 5: self.n += len(self.yb[0]) # the last batch of an epoch can be smaller
            self.i += 1
            if self.i == 5 + n_batches: sync(dev); self.speed = self.n / (time.perf_counter() - self.t); raise CancelFitException()
        def before_validate(self): raise CancelValidException()
    lim = Limit()
    learn = mfw_learner(dls, resnet32, alpha=alpha, verbose=False, cbs=[lim])
    if amp: learn.to_bf16()
    with learn.no_bar(), learn.no_logging(): learn.fit(-(-(5 + n_batches) // len(dls.train)), 0.01)
    return lim.speed


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu', help="cpu or cuda")
    p.add_argument('--n-batches', type=int, default=60, help="timed batches per mode (after 5 warm-up batches)")
    p.add_argument('--bs', type=int, default=128)
    p.add_argument('--workers', type=int, default=2, help="DataLoader workers of the reference loop")
    p.add_argument('--kind', default='step', choices=['step', 'exp'], help="step or long-tailed (exp) CIFAR-10, rho=100")
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument('--repeats', type=int, default=3, help="measure each mode this many times, interleaved; keep the best")
    args = p.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    dev = torch.device(args.device); amp = dev.type == 'cuda'
    from fastai.vision.all import set_seed, default_device
    from mfw_fastai.all import cifar_imbalanced_dls, resnet32, PadCropFlip, pad_crop_flip, cifar_stats
    set_seed(0)
    dls = cifar_imbalanced_dls(kind=args.kind, rho=100, n_max=5000, bs=args.bs, device=dev, n_valid=10)
    xs_u8, ys = dls.train.xs, dls.train.ys
    # (a)'s input: one augmentation pass done up front, normalised, on the device, in the model's memory format
    mean, std = [torch.tensor(s, device=dev).view(1, 3, 1, 1) for s in cifar_stats]
    oy, ox, fl = PadCropFlip(4).params(len(ys), dev)
    xa = ((pad_crop_flip(xs_u8.to(dev), oy, ox, fl, 4).float() / 255 - mean) / std).contiguous(memory_format=torch.channels_last)
    ya = ys.to(dev)
    data = xs_u8.permute(0, 2, 3, 1).contiguous().numpy(); targets = ys.tolist()
    res = {k: [] for k in ('bare', 'reference', 'erm', 'mfw')}
    for r in range(args.repeats):
        torch.manual_seed(r)
        res['bare'].append(bare(resnet32().to(dev).to(memory_format=torch.channels_last), xa, ya, args.bs, args.n_batches, dev, amp))
        res['reference'].append(reference(resnet32().to(dev), data, targets, args.bs, args.n_batches, dev, args.workers, cifar_stats))
        res['erm'].append(ours(dls, None, args.n_batches, dev, amp))
        res['mfw'].append(ours(dls, 1.0, args.n_batches, dev, amp))
        print(f"repeat {r}: " + ', '.join(f"{k} {v[-1]:.0f}" for k, v in res.items()) + " images/s", flush=True)
    best = {k: max(v) for k, v in res.items()}
    dev_name = torch.cuda.get_device_name(0) if dev.type == 'cuda' else (platform.processor() or platform.machine())
    out = {**best, 'all_runs': res,
           'ratios': {'c/a (erm epoch time / bare)': best['bare'] / best['erm'], 'd/c (mfw / erm)': best['erm'] / best['mfw'],
                      'b/d (reference / mfw)': best['mfw'] / best['reference']},
           'device': dev.type, 'device_name': dev_name, 'threads': torch.get_num_threads(), 'cpus': os.cpu_count(),
           'date': time.strftime('%Y-%m-%d'), 'bs': args.bs, 'n_batches': args.n_batches, 'reference_workers': args.workers,
           'mixed_precision': 'bf16' if amp else None, 'reference_precision': 'fp32', 'data': f'cifar10 {args.kind} rho=100', 'n_images': len(ys), 'torch': torch.__version__,
           'command': 'python bench/throughput.py ' + ' '.join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None)}
    print(json.dumps({k: (round(v, 1) if isinstance(v, float) else v) for k, v in best.items()}))
    for k, v in out['ratios'].items(): print(f"{k}: {v:.3f}")
    fn = Path(__file__).parent/'results'/f"throughput-{dev.type}-{out['date']}.json"
    fn.write_text(json.dumps(out, indent=1)); print(f"saved {fn}")


if __name__ == '__main__': main()
