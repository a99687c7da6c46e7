"""Where a training batch's time goes: torch.profiler over 20 training batches of `mfw_learner` (ResNet-32, step
CIFAR-10, batch 128) with and without MFW, grouped by operator. Run on purpose:

    python bench/profile_step.py > bench/results/profile-cpu-<date>.txt
"""
import time, torch
from torch.profiler import profile, ProfilerActivity
from fastai.vision.all import Callback, CancelTrainException, CancelValidException, set_seed
from mfw_fastai.all import cifar_imbalanced_dls, mfw_learner, resnet32

class Window(Callback):
    "Profile batches 5..24 of the first epoch, then stop"
    order = 100
    def before_train(self): self.i = 0
    def before_batch(self):
        if self.i == 5: self.prof = profile(activities=[ProfilerActivity.CPU]); self.prof.__enter__(); self.t = time.perf_counter()
    def after_batch(self):
        self.i += 1
        if self.i == 25: self.secs = time.perf_counter() - self.t; self.prof.__exit__(None, None, None); raise CancelTrainException()
    def before_validate(self): raise CancelValidException()

set_seed(0)
dls = cifar_imbalanced_dls(kind='step', rho=100, n_valid=10)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {time.strftime('%Y-%m-%d')}")
for alpha in (None, 1.0):
    w = Window()
    learn = mfw_learner(dls, resnet32, alpha=alpha, verbose=False, cbs=[w])
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 0.01)
    ev = w.prof.key_averages()
    tot = sum(e.self_cpu_time_total for e in ev)
    conv = sum(e.self_cpu_time_total for e in ev if 'convolution' in e.key or 'conv2d' in e.key or 'mkldnn' in e.key)
    bn = sum(e.self_cpu_time_total for e in ev if 'batch_norm' in e.key)
    print(f"\n=== {'MFW' if alpha else 'ERM'}: {20*128/w.secs:.0f} images/s; convolutions {100*conv/tot:.0f}%, batch norm {100*bn/tot:.0f}% of operator time ===")
    print(ev.table(sort_by='self_cpu_time_total', row_limit=15))
