"Imbalanced data on the real CIFAR-10, other layouts built from it, and bad input."
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from mfw_fastai.data import (cifar_imbalanced_dls, cifar_path, class_counts, folder_items, imbalance_counts,
                             imbalanced_df, list_file_items, tiny_imagenet_items, ImbalancedItems)


def test_reference_counts_on_real_cifar10():
    dls = cifar_imbalanced_dls(kind='exp', rho=100)
    assert class_counts(dls) == [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]
    assert len(dls.valid_ds) == 10_000
    step = cifar_imbalanced_dls(kind='step', rho=100)
    assert sum(class_counts(step)) == 25_250
    again = cifar_imbalanced_dls(kind='step', rho=100)
    assert list(step.train_ds.items.fname) == list(again.train_ds.items.fname)


def test_cifar100_superclass_layout(tmp_path):
    # CIFAR-100's layout train/<superclass>/<class>/*.png, built from CIFAR-10 images
    src = cifar_path('cifar10')
    supers = {'vehicles': ['automobile', 'truck'], 'animals': ['cat', 'dog']}
    for split, n in (('train', 12), ('test', 4)):
        for sup, classes in supers.items():
            for c in classes:
                d = tmp_path/split/sup/c; d.mkdir(parents=True)
                for f in sorted((src/split/c).iterdir())[:n]: shutil.copy(f, d/f.name)
    dls = cifar_imbalanced_dls('cifar100', kind='exp', rho=4, path=tmp_path, disk_cache=False)
    assert list(dls.vocab) == ['automobile', 'cat', 'dog', 'truck']  # fine labels, alphabetical
    assert class_counts(dls) == imbalance_counts(12, 4, 'exp', 4)
    assert torch.bincount(dls.valid.ys).tolist() == [4, 4, 4, 4]


def test_list_files_and_datablock_items(tmp_path):
    src = cifar_path('cifar10')
    lines = {s: [f"{s}/{c}/{f.name} {c}" for c in ('cat', 'dog') for f in sorted((src/s/c).iterdir())[:10]] for s in ('train', 'test')}
    for s in lines: (tmp_path/f"{s}.txt").write_text('\n'.join(lines[s]))
    df = list_file_items(tmp_path/'train.txt', tmp_path/'test.txt', root=src)
    assert len(df) == 40 and set(df.split) == {'train', 'valid'}
    sub = imbalanced_df(df[df.split == 'train'], kind='step', rho=5, seed=1)
    assert sub.label.value_counts().to_dict() == {'cat': 10, 'dog': 2}
    items = ImbalancedItems(kind='exp', rho=10, n_max=100, train_name='train')(src)
    rel = [Path(o).relative_to(src).parts for o in items]
    tr = pd.Series([p[1] for p in rel if p[0] == 'train']).value_counts().sort_index()
    assert tr.tolist() == imbalance_counts(100, 10, 'exp', 10) and sum(p[0] == 'test' for p in rel) == 10_000


def test_tiny_imagenet_layout(tmp_path):
    src = cifar_path('cifar10')
    ann = []
    for c in ('cat', 'dog'):
        d = tmp_path/'train'/c/'images'; d.mkdir(parents=True)
        for f in sorted((src/'train'/c).iterdir())[:6]: shutil.copy(f, d/f.name)
        for f in sorted((src/'test'/c).iterdir())[:2]:
            (tmp_path/'val'/'images').mkdir(parents=True, exist_ok=True); shutil.copy(f, tmp_path/'val'/'images'/f.name)
            ann.append(f"{f.name}\t{c}\t0\t0\t32\t32")
    (tmp_path/'val'/'val_annotations.txt').write_text('\n'.join(ann))
    df = tiny_imagenet_items(tmp_path)
    assert (df[df.split == 'train'].label.value_counts() == 6).all()
    assert sorted(df[df.split == 'valid'].label) == ['cat', 'cat', 'dog', 'dog']


@pytest.mark.parametrize('kw,msg', [
    (dict(rho=0.5), 'rho must be a finite number >= 1'),
    (dict(kind='zipf'), "Unknown imbalance kind 'zipf'"),
    (dict(n_max=6000), 'has only 5000 items but 6000 were asked for'),
    (dict(kind='step', rho=1000, n_max=500), 'would give class 5 0 images'),
    (dict(dataset='mnist'), "Unknown data set 'mnist'"),
    (dict(heldout=-1), 'heldout must be a whole number >= 0'),
    (dict(eval_on='heldout'), "eval_on='heldout' needs heldout > 0"),
])
def test_bad_input(kw, msg):
    with pytest.raises(ValueError, match=msg.replace('(', r'\(').replace(')', r'\)')):
        cifar_imbalanced_dls(**kw)


def test_missing_empty_and_corrupt_data(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        cifar_imbalanced_dls(path=tmp_path/'nowhere')
    (tmp_path/'train'/'a').mkdir(parents=True); (tmp_path/'test'/'a').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='No images found in'):
        cifar_imbalanced_dls(path=tmp_path)
    src = cifar_path('cifar10')
    for s in ('train', 'test'):
        for c in ('a', 'b'):
            (tmp_path/s/c).mkdir(parents=True, exist_ok=True)
            for f in sorted((src/s/'cat').iterdir())[:4 if (s, c) != ('train', 'b') else 3]: shutil.copy(f, tmp_path/s/c/f.name)
    bad = tmp_path/'train'/'b'/'zz_broken.png'; bad.write_bytes(b'not a png')
    kw = dict(path=tmp_path, kind='none', stats=([0.5]*3, [0.25]*3), disk_cache=False, device='cpu')
    with pytest.raises(ValueError, match='1 unreadable image.*zz_broken.png'):  # refused before any work
        cifar_imbalanced_dls(strict=True, **kw)
    with pytest.warns(UserWarning, match='Skipped 1 unreadable image'):  # or dropped, and listed
        dls = cifar_imbalanced_dls(**kw)
    assert [Path(f).name for f, _ in dls.bad_images] == ['zz_broken.png'] and class_counts(dls) == [4, 3]
    with pytest.raises(ValueError, match='zz_broken.png'):  # unchecked, the fast path names it when decoding
        cifar_imbalanced_dls(check=False, **kw)


def test_offline_error_says_where_and_what(monkeypatch, tmp_path):
    import mfw_fastai.data as d
    def boom(*a, **k): raise ConnectionError('no network')
    monkeypatch.setattr(d, 'untar_data', boom)
    with pytest.raises(FileNotFoundError, match=r'(?s)cifar10 is not in .*pass path='):
        d.cifar_path('cifar10')
