"""bf16 autocast against fp32 for a plain ResNet-32 training step on the CPU (no fastai): forward, backward and SGD step,
batch 128 of random 32x32 images, channels_last and the default memory format. Run on purpose:

    python bench/bf16_probe.py 1; python bench/bf16_probe.py 2      # torch threads

Prints images/s per setting; compare bf16 with fp32 within one run.
"""
import sys, time
import torch, torch.nn.functional as F
from mfw_fastai.models import resnet32

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads())
x = torch.randn(128, 3, 32, 32); y = torch.randint(0, 10, (128,))
for cl in (True, False):
    for bf in (False, True):
        torch.manual_seed(0); m = resnet32(10); xx = x
        if cl: m = m.to(memory_format=torch.channels_last); xx = x.contiguous(memory_format=torch.channels_last)
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        def step():
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf): loss = F.cross_entropy(m(xx), y)
            loss.backward(); opt.step(); opt.zero_grad()
        for _ in range(3): step()
        t = time.perf_counter(); n = 8
        for _ in range(n): step()
        print(f"threads {torch.get_num_threads()} channels_last={cl} bf16={bf}: {n*128/(time.perf_counter()-t):.0f} img/s", flush=True)
