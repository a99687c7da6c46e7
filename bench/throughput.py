"""Training throughput of ResNet-32 on imbalanced CIFAR-10 (step, rho=100, by default), in one process, on the same data and model:

  (a) bare:      forward + backward + SGD step over pre-augmented, normalised tensors already in memory
  (b) reference: a plain PyTorch loop as research code writes it (PIL images, torchvision RandomCrop(32, padding=4),
                 RandomHorizontalFlip, ToTensor, Normalize, a DataLoader with workers; fp32 and the default memory
                 format, as research code runs it, also on a GPU)
  (c) erm:       our `mfw_learner` without MFW (tensor pipeline, batch augmentation, channels_last)
  (d) mfw:       our `mfw_learner` with MFW (alpha=1, after group 2)
  (e) mfw-bf16:  (d) with bf16 autocast (`mfw_learner(..., precision='bf16')`; on the CPU where it is native)
  (f) mfw-captured: (d) through `mfw_learner(..., compile=True)` (CompiledStep: torch.compile, CUDA graphs on a GPU;
                 the warm-up batches include the compiling)
  (h) resnet18-128: torchvision's ResNet-18 (fastai's body + head) with MFW after group 2, on the same CIFAR images through
                 the pipeline of your own photos: decoded per item, RandomResizedCrop to 128 px, fastai's aug_transforms
                 (`imbalanced_dls(..., size=128)`); fp32, and bf16 (resnet18-128-bf16) where the CPU computes it natively.
                 Its batches are few (n_batches / 6, at least 5): a 128-px ResNet-18 step is ~30x a 32-px ResNet-32's.
  (g) concurrent: the aggregate images/s of N copies of (f) (or (d) with --concurrent-row mfw) training at once in
                 separate processes (mfw_fastai.jobs.run_jobs), timed over the same window (they wait for each other
                 after their warm-up)

Prints images/s and the ratios c/a, d/c, b/d (as epoch-time ratios), and saves
bench/results/throughput-<device>-<date>.json. Run on purpose, never in CI:

    python bench/throughput.py                 # CPU
    python bench/throughput.py --device cuda --n-batches 200 --workers 4
                                               # GPU: bf16 mixed precision, channels_last, augmentation on the device
                                               # (the reference loop keeps fp32 and 4 loader workers, as in the
                                               # reference LDAM-DRW code)
    python bench/throughput.py --rows mfw mfw-bf16 mfw-captured --n-batches 30 --repeats 2   # some rows only
    python bench/throughput.py --device cuda --rows reference mfw-captured concurrent --concurrent auto

`--kind exp` times the long-tailed set instead (12,406 images; the speed per image is the same, and it is the
subset that `bench/carry_subset.py` sends to a GPU machine).
"""
import argparse, json, os, platform, sys, time
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


def _wait_for_all(barrier, n, timeout=900):
    "Say this process is ready under `barrier`, then wait until `n` processes are (concurrent timing)"
    import uuid
    Path(barrier, f"ready-{uuid.uuid4().hex}").touch()
    end = time.time() + timeout
    while len(list(Path(barrier).glob('ready-*'))) < n and time.time() < end: time.sleep(0.05)


def ours(dls, alpha, n_batches, dev, amp, precision='fp32', compile=False, barrier=None, arch=None):
    from fastai.vision.all import Callback, CancelFitException, CancelValidException
    from mfw_fastai.all import mfw_learner, resnet32
    class Limit(Callback):
        "Time `n_batches` training batches after 5 warm-up ones (over as many epochs as that takes); skip validation"
        order = 80 # before CompiledStep (90), which does a batch's work in its before_batch
        def before_fit(self): self.i, self.n = 0, 0
        def before_batch(self):
            if self.i == 5:
                sync(dev)
                if barrier: _wait_for_all(*barrier)
                self.t = time.perf_counter()
        def after_batch(self):
            if self.i >= 5: self.n += len(self.yb[0]) # the last batch of an epoch can be smaller
            self.i += 1
            if self.i == 5 + n_batches: sync(dev); self.speed = self.n / (time.perf_counter() - self.t); raise CancelFitException()
        def before_validate(self): raise CancelValidException()
    lim = Limit()
    learn = mfw_learner(dls, arch or resnet32, alpha=alpha, verbose=False, cbs=[lim], precision=precision, compile=compile)
    if amp: learn.to_bf16()
    with learn.no_bar(), learn.no_logging(): learn.fit(-(-(5 + n_batches) // len(dls.train)), 0.01)
    return lim.speed


ROWS = ('bare', 'reference', 'erm', 'mfw', 'mfw-bf16', 'mfw-captured', 'concurrent', 'resnet18-128', 'resnet18-128-bf16')


def concurrent(args, n, row):
    "Aggregate images/s of `n` processes each timing `row` at once (after a common start), through mfw_fastai.jobs.run_jobs"
    import tempfile
    from mfw_fastai.jobs import run_jobs
    with tempfile.TemporaryDirectory() as d:
        cmd = [sys.executable, __file__, '--device', args.device, '--kind', args.kind, '--rho', str(args.rho), '--n-max', str(args.n_max),
               '--bs', str(args.bs), '--n-batches', str(args.n_batches),
               '--rows', row, '--repeats', '1', '--child', f"{d}/barrier", str(n)]
        Path(d, 'barrier').mkdir()
        rs = run_jobs([cmd]*n, n=n, logs=f"{d}/logs", device=args.device, threads=1 if args.device == 'cpu' else None, verbose=False, check=True)
        speeds = [json.loads(r.out.read_text().strip().splitlines()[-1])[row] for r in rs]
    return sum(speeds), speeds


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cpu', help="cpu or cuda")
    p.add_argument('--n-batches', type=int, default=60, help="timed batches per mode (after 5 warm-up batches)")
    p.add_argument('--bs', type=int, default=128)
    p.add_argument('--workers', type=int, default=2, help="DataLoader workers of the reference loop")
    p.add_argument('--kind', default='step', choices=['step', 'exp'], help="step or long-tailed (exp) CIFAR-10, rho=100")
    p.add_argument('--rho', type=float, default=100., help="imbalance ratio (dry runs on a small subset: 10)")
    p.add_argument('--n-max', type=int, default=5000, help="images in the largest class (dry runs: 40)")
    p.add_argument('--threads', type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument('--repeats', type=int, default=3, help="measure each mode this many times, interleaved; keep the best")
    p.add_argument('--rows', nargs='+', default=None, choices=ROWS,
                   help="the modes to time (default: bare reference erm mfw, with mfw-bf16 where the CPU has native bf16, mfw-captured, resnet18-128 (and its bf16 where native))")
    p.add_argument('--concurrent', default='2', help="processes of the concurrent row: a number, or auto (mfw_fastai.jobs.auto_jobs)")
    p.add_argument('--concurrent-row', default='mfw-captured', choices=['mfw', 'mfw-captured'], help="what each concurrent process trains")
    p.add_argument('--out', default=None, help="JSON file (default bench/results/throughput-<device>-<date>.json)")
    p.add_argument('--child', nargs=2, default=None, help=argparse.SUPPRESS) # barrier folder and process count, for `concurrent`
    args = p.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    dev = torch.device(args.device); amp = dev.type == 'cuda'
    from fastai.vision.all import set_seed, default_device
    from mfw_fastai.all import cifar_imbalanced_dls, resnet32, PadCropFlip, pad_crop_flip, cifar_stats
    from mfw_fastai.callback.precision import cpu_bf16_support
    native = dev.type == 'cpu' and cpu_bf16_support()[0]
    rows = args.rows or ['bare', 'reference', 'erm', 'mfw'] + (['mfw-bf16'] if native else []) + ['mfw-captured', 'resnet18-128'] + (['resnet18-128-bf16'] if native else [])
    set_seed(0)
    dls = cifar_imbalanced_dls(kind=args.kind, rho=args.rho, n_max=args.n_max, bs=args.bs, device=dev, n_valid=10)
    barrier = (args.child[0], int(args.child[1])) if args.child else None
    if args.child: # one process of the concurrent row: print its speed only
        r = rows[0]
        print(json.dumps({r: ours(dls, 1.0, args.n_batches, dev, amp, compile=r == 'mfw-captured', barrier=barrier)})); return
    xs_u8, ys = dls.train.xs, dls.train.ys
    # (a)'s input: one augmentation pass done up front, normalised, on the device, in the model's memory format
    mean, std = [torch.tensor(s, device=dev).view(1, 3, 1, 1) for s in cifar_stats]
    oy, ox, fl = PadCropFlip(4).params(len(ys), dev)
    xa = ((pad_crop_flip(xs_u8.to(dev), oy, ox, fl, 4).float() / 255 - mean) / std).contiguous(memory_format=torch.channels_last)
    ya = ys.to(dev)
    data = xs_u8.permute(0, 2, 3, 1).contiguous().numpy(); targets = ys.tolist()
    n_conc = None
    if 'concurrent' in rows:
        from mfw_fastai.jobs import auto_jobs
        n_conc = auto_jobs(args.device) if args.concurrent == 'auto' else int(args.concurrent)
    dls128 = None
    if any(r.startswith('resnet18-128') for r in rows): # the own-photos pipeline: per-item decode, RandomResizedCrop(128), aug_transforms
        from mfw_fastai.all import imbalanced_dls, folder_items, cifar_path
        dls128 = imbalanced_dls(folder_items(cifar_path('cifar10'), 'train', 'test'), kind=args.kind, rho=args.rho, n_max=args.n_max,
                                bs=args.bs, size=128, n_valid=2, device=dev, check=False)
    n18 = max(5, args.n_batches // 6)
    timers = {'resnet18-128': lambda: ours(dls128, 1.0, n18, dev, amp, arch='resnet18'),
              'resnet18-128-bf16': lambda: ours(dls128, 1.0, n18, dev, False, precision='bf16', arch='resnet18'),
              'bare': lambda: bare(resnet32().to(dev).to(memory_format=torch.channels_last), xa, ya, args.bs, args.n_batches, dev, amp),
              'reference': lambda: reference(resnet32().to(dev), data, targets, args.bs, args.n_batches, dev, args.workers, cifar_stats),
              'erm': lambda: ours(dls, None, args.n_batches, dev, amp),
              'mfw': lambda: ours(dls, 1.0, args.n_batches, dev, amp),
              'mfw-bf16': lambda: ours(dls, 1.0, args.n_batches, dev, False, precision='bf16'),
              'mfw-captured': lambda: ours(dls, 1.0, args.n_batches, dev, amp, compile=True),
              'concurrent': lambda: concurrent(args, n_conc, args.concurrent_row)}
    res, per_process, errors = {k: [] for k in rows}, [], {}
    for r in range(args.repeats):
        torch.manual_seed(r)
        for k in rows:
            try: v = timers[k]()
            except Exception as e: # one row failing (say, a graph capture on a new GPU) leaves the others measured
                import traceback; traceback.print_exc(); errors[k] = f"{type(e).__name__}: {e}"[:2000]; v = None
            if k == 'concurrent' and v is not None: v, each = v; per_process.append(each)
            res[k].append(v)
        print(f"repeat {r}: " + ', '.join(f"{k} {'failed' if v[-1] is None else f'{v[-1]:.0f}'}" for k, v in res.items()) + " images/s", flush=True)
    best = {k: max(x for x in v if x is not None) for k, v in res.items() if any(x is not None for x in v)}
    from mfw_fastai.callback.precision import cpu_info
    dev_name = torch.cuda.get_device_name(0) if dev.type == 'cuda' else cpu_info()['cpu'] # the CPU's model: speeds differ between hosts
    pairs = {'c/a (erm epoch time / bare)': ('bare', 'erm'), 'd/c (mfw / erm)': ('erm', 'mfw'), 'b/d (reference / mfw)': ('mfw', 'reference'),
             'mfw-bf16 / mfw (speed-up of bf16)': ('mfw-bf16', 'mfw'), 'mfw-captured / mfw (speed-up of the captured step)': ('mfw-captured', 'mfw'),
             'mfw-captured / reference': ('mfw-captured', 'reference'), 'concurrent / mfw-captured (aggregate speed-up)': ('concurrent', 'mfw-captured'),
             'concurrent / mfw (aggregate speed-up)': ('concurrent', 'mfw'), 'resnet18-128-bf16 / resnet18-128 (speed-up of bf16)': ('resnet18-128-bf16', 'resnet18-128')}
    if args.concurrent_row == 'mfw': pairs.pop('concurrent / mfw-captured (aggregate speed-up)')
    else: pairs.pop('concurrent / mfw (aggregate speed-up)')
    out = {**best, 'all_runs': res, 'ratios': {k: best[a] / best[b] for k, (a, b) in pairs.items() if a in best and b in best},
           'device': dev.type, 'device_name': dev_name, 'cpu': cpu_info() if dev.type == 'cpu' else None, 'threads': torch.get_num_threads(), 'cpus': os.cpu_count(),
           'date': time.strftime('%Y-%m-%d'), 'bs': args.bs, 'n_batches': args.n_batches, 'reference_workers': args.workers,
           'mixed_precision': 'bf16' if amp else None, 'reference_precision': 'fp32', 'data': f'cifar10 {args.kind} rho={args.rho:g} n_max={args.n_max}', 'n_images': len(ys), 'torch': torch.__version__,
           'command': 'python bench/throughput.py ' + ' '.join(f"--{k.replace('_', '-')} {' '.join(v) if isinstance(v, list) else v}" for k, v in vars(args).items() if v is not None and k != 'child')}
    if errors: out['errors'] = errors
    if n_conc: out.update(concurrent_processes=n_conc, concurrent_row=args.concurrent_row, concurrent_per_process=per_process)
    print(json.dumps({k: (round(v, 1) if isinstance(v, float) else v) for k, v in best.items()}))
    for k, v in out['ratios'].items(): print(f"{k}: {v:.3f}")
    fn = Path(args.out) if args.out else Path(__file__).parent/'results'/f"throughput-{dev.type}-{out['date']}.json"
    fn.write_text(json.dumps(out, indent=1)); print(f"saved {fn}")


if __name__ == '__main__': main()
