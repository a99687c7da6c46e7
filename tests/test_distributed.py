"Two CPU processes (torchrun, gloo) train MFW + DRW on the real CIFAR-10; metrics gathered across them match one process."
import json, os, subprocess, sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

TINY = ['--imbalance', 'step', '--rho', '10', '--n-max', '40', '--n-valid', '10', '--arch', 'resnet20', '--threads', '1', '--quiet']


def test_two_processes_gloo_match_one_process(tmp_path):
    runs = tmp_path/'runs'
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2',
           '-m', 'mfw_fastai', *TINY, '--method', 'mfw-drw', '--epochs', '1', '--out', str(runs/'d')]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-4000:]
    # one results folder, written once (no checkpoint or temporary file left by either process)
    assert [p.name for p in tmp_path.iterdir()] == ['runs'] and [p.name for p in runs.iterdir()] == ['d']
    assert sorted(p.name for p in (runs/'d').iterdir()) == ['config.json', 'history.csv', 'model.pth', 'per_class.csv', 'results.json', 'status.json']
    cfg = json.loads((runs/'d'/'config.json').read_text())
    assert cfg['processes'] == 2 and cfg['backend'] == 'gloo' and cfg['class_counts'] == [40]*5 + [4]*5  # global counts
    res = json.loads((runs/'d'/'results.json').read_text())
    hist = pd.read_csv(runs/'d'/'history.csv')

    # one process, the same predictions: the saved model on the same evaluation images, per-class accuracy by hand
    from mfw_fastai.run import _dls, check_config
    from mfw_fastai.models import cifar_archs
    dls = _dls(check_config(dict(imbalance='step', rho=10., n_max=40, n_valid=10, arch='resnet20', method='mfw-drw', epochs=1)))
    model = cifar_archs['resnet20'](10)
    model.load_state_dict(torch.load(runs/'d'/'model.pth', weights_only=True))
    model.eval()
    hits, tots = np.zeros(10), np.zeros(10)
    with torch.no_grad():
        for xb, yb in dls.valid:
            p = model(xb.as_subclass(torch.Tensor)).argmax(-1)
            for pi, yi in zip(p.tolist(), yb.tolist()):
                tots[yi] += 1; hits[yi] += pi == yi
    assert tots.tolist() == [10]*10
    acc = hits / tots
    assert res['per_class_accuracy'] == pytest.approx(acc.tolist(), abs=1e-9)
    # the validation during training, split over the two processes and gathered, gives the same per-class numbers
    last = hist.iloc[-1]
    assert last.balanced_acc == pytest.approx(acc.mean(), abs=1e-6)
    assert last.accuracy == pytest.approx(hits.sum() / tots.sum(), abs=1e-6)
    assert last.medium_acc == pytest.approx(acc[:5].mean(), abs=1e-6)  # 40 training images: medium-shot
    assert last.few_acc == pytest.approx(acc[5:].mean(), abs=1e-6)  # 4 training images: few-shot
