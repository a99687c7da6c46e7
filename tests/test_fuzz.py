"Random and hostile arguments to the public entry points: each call works or raises a clean, documented error."
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from mfw_fastai.data import imbalance_counts, imbalanced_subsample
from mfw_fastai.callback.mfw import MFW, mfw_weights
from mfw_fastai.callback.drw import effective_number_weights, DRW
from mfw_fastai.metrics import PerClassAccuracy, ShotAccuracy
from mfw_fastai.cli import check_config

fast = settings(max_examples=150, deadline=None)
anything = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(max_size=5), st.lists(st.integers(-5, 5), max_size=3))


@fast
@given(n_max=anything, n_classes=anything, kind=st.one_of(st.sampled_from(['exp', 'step', 'none']), anything), rho=anything)
def test_imbalance_counts(n_max, n_classes, kind, rho):
    try:
        c = imbalance_counts(n_max, n_classes, kind, rho)
    except ValueError as e:
        assert str(e)
        return
    assert len(c) == n_classes and all(isinstance(x, int) and x >= 1 for x in c)
    assert c[0] == n_max and c == sorted(c, reverse=True)


@fast
@given(counts=st.lists(st.integers(-3, 10**5), min_size=0, max_size=12), beta=st.one_of(st.none(), st.floats(-1, 10)))
def test_mfw_weights(counts, beta):
    try:
        s = mfw_weights(counts, beta)
    except ValueError as e:
        assert str(e)
        return
    assert s.shape == (len(counts),) and (s >= 0).all() and (s <= 0.5).all()
    order = np.argsort(counts, kind='stable')
    assert (np.diff(s.numpy()[order]) >= -1e-7).all()  # monotone in the class size


@fast
@given(counts=st.lists(st.integers(-1, 10**5), max_size=12), beta=st.floats(-0.5, 1.5))
def test_effective_number_weights(counts, beta):
    try:
        w = effective_number_weights(counts, beta)
    except ValueError as e:
        assert str(e)
        return
    assert math.isclose(float(w.sum()), len(counts), rel_tol=1e-4) and (w >= 0).all()


@fast
@given(labels=st.lists(st.sampled_from('abcd'), max_size=40), kind=st.sampled_from(['exp', 'step', 'none', 'bad']),
       rho=st.floats(0, 50), n_max=st.one_of(st.none(), st.integers(-2, 20)), seed=st.integers(0, 2**31))
def test_imbalanced_subsample(labels, kind, rho, n_max, seed):
    try:
        idx = imbalanced_subsample(labels, kind, rho, n_max, seed=seed)
    except ValueError as e:
        assert str(e)
        return
    assert len(set(idx.tolist())) == len(idx) and (np.diff(idx) > 0).all()
    assert set(labels[i] for i in idx) == set(labels)  # no class dropped


@fast
@given(alpha=anything, beta=anything, weights=st.one_of(st.none(), st.lists(st.floats(-1, 2), max_size=4)))
def test_mfw_arguments(alpha, beta, weights):
    try:
        MFW(alpha=alpha, beta=beta, weights=weights)
    except ValueError as e:
        assert str(e)


@fast
@given(start=st.floats(-1, 2, allow_nan=False))
def test_drw_start(start):
    try:
        assert DRW(start=start).switch_epoch(300) in range(0, 301)
    except ValueError as e:
        assert 'start must be a fraction' in str(e)


@fast
@given(y=st.lists(st.integers(0, 4), min_size=1, max_size=30), seed=st.integers(0, 1000))
def test_metrics_any_batch(y, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.tensor(y); pred = torch.randn(len(y), 5, generator=g)
    m = PerClassAccuracy(); m.update(pred, y)
    v = m.value
    assert 0 <= v <= 1
    s = ShotAccuracy('few', counts=[500, 50, 10, 5, 1]); s.update(pred, y)
    assert s.value is None or 0 <= s.value <= 1


@fast
@given(method=st.sampled_from(['erm', 'mfw', 'nope']), arch=st.sampled_from(['resnet20', 'vgg']), epochs=anything,
       bs=st.integers(-2, 300), lr=st.floats(-1, 1), alpha=st.one_of(st.none(), st.floats(-1, 10)))
def test_cli_settings(method, arch, epochs, bs, lr, alpha):
    try:
        cfg = check_config(dict(method=method, arch=arch, epochs=epochs, bs=bs, lr=lr, alpha=alpha))
    except ValueError as e:
        assert str(e)
        return
    assert cfg['epochs'] >= 1 and cfg['bs'] >= 1 and cfg['lr'] > 0 and cfg['alpha'] > 0
