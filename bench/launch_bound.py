"""What limits a training step of ResNet-32 on 32x32 images on a GPU: kernel launches or arithmetic?

Times the bare step (forward + backward + SGD on tensors already on the device) in fp32 and bf16, with and without
channels_last, at batch 128 and at batch 512, then our fastai loop (ERM in fp32 and bf16, MFW in fp32). If the step
is bound by launches, precision barely changes it and a 4x larger batch costs far less than 4x. Run on purpose:

    python bench/launch_bound.py     # on a machine with a GPU (long-tailed CIFAR-10 rho=100, as bench/gpu_run.sh uses)
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import torch
import throughput as T
from mfw_fastai.all import cifar_imbalanced_dls, resnet32

dev = torch.device('cuda')
dls = cifar_imbalanced_dls(kind='exp', rho=100, n_max=5000, bs=128, device=dev, n_valid=10)
xs = (dls.train.xs[:4096].to(dev).float()/255).contiguous(); ys = dls.train.ys[:4096].to(dev)
for cl in (False, True):
    for amp in (False, True):
        m = resnet32().to(dev); x = xs
        if cl: m = m.to(memory_format=torch.channels_last); x = xs.contiguous(memory_format=torch.channels_last)
        print('bare channels_last', cl, 'bf16', amp, round(T.bare(m, x, ys, 128, 150, dev, amp)), 'img/s')
m = resnet32().to(dev); print('bare bs512 fp32', round(T.bare(m, xs, ys, 512, 40, dev, False)))
print('ours erm fp32', round(T.ours(dls, None, 150, dev, False)))
print('ours erm bf16', round(T.ours(dls, None, 150, dev, True)))
print('ours mfw fp32', round(T.ours(dls, 1.0, 150, dev, False)))
