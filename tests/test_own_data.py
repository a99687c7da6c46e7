"Data sets of your own: folders, CSVs and list files of real images of any size and mode, through both input paths, and bad input."
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mfw_fastai.data import (check_images, class_counts, dataset_items, heldout_skipped, imbalanced_dls,
                             imbalanced_subsample, list_file_items, load_rgb, mixed_image_folder)


@pytest.fixture(scope='module')
def mixed(tmp_path_factory):
    return mixed_image_folder(tmp_path_factory.mktemp('own')/'mixed', counts=(9, 4, 2), n_valid=2, sizes=(20, 90))


def _img(p, size=(24, 24), mode='RGB', value=0):
    p.parent.mkdir(parents=True, exist_ok=True); Image.new(mode, size, value).save(p); return p


def _rel(df, root):
    return df.assign(fname=[str(Path(f).relative_to(root)) for f in df.fname])


def test_decode_every_mode(tmp_path):
    Image.fromarray(np.full((6, 7), 40000, np.int32)).save(tmp_path/'i32.tif')  # mode I: read as 16-bit
    assert Image.open(tmp_path/'i32.tif').mode == 'I' and load_rgb(tmp_path/'i32.tif').getpixel((3, 3)) == (156,)*3
    Image.fromarray(np.full((6, 7), 257*77, np.uint16)).save(tmp_path/'i16.png')
    assert load_rgb(tmp_path/'i16.png').getpixel((0, 0)) == (77, 77, 77)
    Image.new('LA', (5, 5), (100, 0)).save(tmp_path/'la.png')  # fully transparent gray: the background shows
    assert load_rgb(tmp_path/'la.png', bg=(10, 20, 30)).getpixel((0, 0)) == (10, 20, 30)
    Image.new('RGBA', (5, 5), (0, 200, 40, 255)).save(tmp_path/'opaque.png')  # opaque: the colour itself
    assert load_rgb(tmp_path/'opaque.png').getpixel((0, 0)) == (0, 200, 40)
    a = 51  # 20% opaque red over black: 0.2*255 = 51
    Image.new('RGBA', (5, 5), (255, 0, 0, a)).save(tmp_path/'rgba.png')
    assert load_rgb(tmp_path/'rgba.png', bg=(0, 0, 0)).getpixel((0, 0)) == (51, 0, 0)
    Image.new('CMYK', (8, 8), (0, 0, 0, 0)).save(tmp_path/'c.jpg')
    assert all(v >= 253 for v in load_rgb(tmp_path/'c.jpg').getpixel((4, 4)))  # no ink: white
    Image.new('1', (5, 5), 1).save(tmp_path/'bit.png')
    assert load_rgb(tmp_path/'bit.png').getpixel((0, 0)) == (255, 255, 255)
    for f in tmp_path.iterdir(): assert load_rgb(f).mode == 'RGB'


def test_folder_layouts(tmp_path, mixed):
    df = dataset_items(mixed)
    assert df.groupby('split').label.value_counts().to_dict() == {('train', 'c0'): 9, ('train', 'c1'): 4, ('train', 'c2'): 2,
                                                                 ('valid', 'c0'): 2, ('valid', 'c1'): 2, ('valid', 'c2'): 2}
    for ev in ('test', 'val'):  # train/ + test/ (CIFAR's layout) and train/ + val/ (ImageNet's)
        root = tmp_path/ev
        for c in 'xy': _img(root/'train'/c/'a.png'); _img(root/'train'/c/'b.png'); _img(root/ev/c/'e.png')
        got = dataset_items(root)
        assert set(got[got.split == 'valid'].fname) == {str(root/ev/c/'e.png') for c in 'xy'} and (got.split == 'train').sum() == 4
    root = tmp_path/'val'
    for c in 'xy': _img(root/'valid'/c/'v.png')
    with pytest.raises(ValueError, match=r"has both valid/ and val/: pass valid='valid' or valid='val'"):
        dataset_items(root)
    assert set(dataset_items(root, valid='valid').query("split=='valid'").fname) == {str(root/'valid'/c/'v.png') for c in 'xy'}
    with pytest.raises(ValueError, match="has its own evaluation split"):
        dataset_items(root, valid='val', valid_pct=0.2)


def test_one_folder_stratified_split(tmp_path):
    n = {'big': 10, 'mid': 3, 'pair': 2, 'one': 1}
    for c, k in n.items():
        for i in range(k): _img(tmp_path/'animals'/c/f'{i}.png')  # super-class folder above the classes
    df = dataset_items(tmp_path, valid_pct=0.3, seed=5)
    va = df[df.split == 'valid'].label.value_counts().to_dict()
    assert va == {'big': 3, 'mid': 1, 'pair': 1}  # round(n*0.3) clipped to [1, n-1]; 'one' keeps its image for training
    assert (df[df.split == 'train'].label.value_counts().to_dict() == {'big': 7, 'mid': 2, 'pair': 1, 'one': 1})
    assert dataset_items(tmp_path, valid_pct=0.3, seed=5).equals(df)
    ref = np.random.RandomState(5)  # the rule by hand: one RandomState, classes in sorted order, first k of each shuffle
    exp = set()
    for c in sorted(n):
        idx = np.array([i for i, l in enumerate(df.label) if l == c]); ref.shuffle(idx)
        exp |= {df.fname[i] for i in idx[:min(max(1, round(n[c]*0.3)), n[c]-1)]}
    assert set(df[df.split == 'valid'].fname) == exp
    assert set(dataset_items(tmp_path).query("split=='valid'").label) == {'big', 'mid', 'pair'}  # default 0.2
    with pytest.raises(ValueError, match="valid_pct must be a number between 0 and 1"):
        dataset_items(tmp_path, valid_pct=1.5)


def test_csv_and_list_files(tmp_path, mixed):
    df = dataset_items(mixed)
    rel = _rel(df, mixed)
    rel.rename(columns={'fname': 'file', 'label': 'cls'}).assign(is_valid=(rel.split == 'valid').astype(int)).drop(columns='split') \
       .to_csv(tmp_path/'data.csv', index=False)
    assert dataset_items(tmp_path/'data.csv', root=mixed).equals(df)  # 1/0 is_valid, paths under root
    assert dataset_items(tmp_path/'data.csv', root=mixed, fn_col='file', label_col='cls').equals(df)
    rel[['fname', 'label']].to_csv(mixed/'nosplit.csv', index=False)  # without is_valid: split by valid_pct
    got = dataset_items(mixed/'nosplit.csv', valid_pct=0.5)
    assert len(got) == len(df) and got.query("split=='valid'").label.value_counts().to_dict() == {'c0': 6, 'c1': 3, 'c2': 2}
    for s in ('train', 'valid'):
        (tmp_path/f'{s}.txt').write_text('\n'.join(f"{f} {l}" for f, l in rel[rel.split == s][['fname', 'label']].values) + '\n\n')
    assert dataset_items(tmp_path/'train.txt', valid=tmp_path/'valid.txt', root=mixed).equals(df)
    assert list_file_items(tmp_path/'train.txt', tmp_path/'valid.txt', root=mixed).equals(df)
    assert set(dataset_items(tmp_path/'train.txt', root=mixed, valid_pct=0.5).split) == {'train', 'valid'}


def _write(p, text): p.write_text(text); return p


@pytest.mark.parametrize('kind,content,kw,err,msg', [
    ('csv', 'fname,label\n', {}, ValueError, 'has no rows'),
    ('csv', 'file,label\ntrain/c0/000_RGB.jpg,c0\n', dict(fn_col='fname'), ValueError, "has no file name column 'fname'"),
    ('csv', 'fname,label\ntrain/c0/000_RGB.jpg,c0\n', dict(label_col=5), ValueError, 'has no column 5 for the label'),
    ('csv', 'fname,label\ntrain/c0/000_RGB.jpg,c0\ntrain/c0/001_L.png,\n', {}, ValueError, "column 'label' is empty on 1 line(s): 3"),
    ('csv', 'fname,label\ntrain/c0/000_RGB.jpg,c0\n,c1\n', {}, ValueError, "column 'fname' is empty on 1 line(s): 3"),
    ('csv', 'fname,label,is_valid\ntrain/c0/000_RGB.jpg,c0,False\ntrain/c0/001_L.png,c0,maybe\n', {}, ValueError, "line(s) 3 are not"),
    ('csv', 'fname,label\ntrain/c0/000_RGB.jpg,c0\n../x.png,c0\n', {}, ValueError, 'bad.csv:3: ../x.png is outside the data root'),
    ('csv', 'fname,label\ntrain/c0/none.jpg,c0\n', {}, FileNotFoundError, 'bad.csv:2: train/c0/none.jpg points nowhere'),
    ('csv', 'fname,label,is_valid\ntrain/c0/000_RGB.jpg,c0,0\ntrain/c1/000_L.png,c1,1\n', {}, ValueError,
     "Class 'c1' has evaluation images but no training images"),
    ('csv', 'fname,label,is_valid\ntrain/c0/000_RGB.jpg,c0,0\n', dict(valid_pct=0.2), ValueError, "its own evaluation split (column 'is_valid')"),
    ('csv', 'fname,label\ntrain/c0/000_RGB.jpg,c0\n', dict(valid_col='holdout'), ValueError, "has no column 'holdout'"),
    ('txt', '\n\n', {}, ValueError, 'has no items'),
    ('txt', 'train/c0/000_RGB.jpg c0\ntrain/c0/001_L.png\n', {}, ValueError, "bad.txt:2: expected 'path label'"),
    ('txt', 'train/c0/000_RGB.jpg c0\n\ntrain/c0/gone.png c0\n', {}, FileNotFoundError, 'bad.txt:3: train/c0/gone.png points nowhere'),
    ('txt', 'train/c0/000_RGB.jpg c0\n/etc/hostname c0\n', {}, ValueError, 'bad.txt:2: /etc/hostname is outside the data root'),
    ('txt', 'train/c0/000_RGB.jpg c0\ntrain/c1/../../../x.png c0\n', {}, ValueError, 'bad.txt:2: train/c1/../../../x.png is outside'),
])
def test_bad_tables(mixed, kind, content, kw, err, msg):
    fn = _write(mixed/f'bad.{kind}', content)
    with pytest.raises(err, match=msg.replace('(', r'\(').replace(')', r'\)').replace('.', r'\.')):
        dataset_items(fn, **kw)


def test_bad_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'): dataset_items(tmp_path/'nowhere')
    (tmp_path/'train'/'a').mkdir(parents=True); (tmp_path/'valid'/'a').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='No images found in'): dataset_items(tmp_path)
    _img(tmp_path/'train'/'a'/'1.png'); _img(tmp_path/'valid'/'a'/'1.png'); (tmp_path/'train'/'b').mkdir()
    (tmp_path/'train'/'b'/'notes.txt').write_text('no image here')
    with pytest.raises(ValueError, match=r'Class folder .*train/b has no images'): dataset_items(tmp_path)
    _img(tmp_path/'train'/'b'/'1.png'); _img(tmp_path/'valid'/'z'/'1.png')
    with pytest.raises(ValueError, match="Class 'z' has evaluation images but no training images"): dataset_items(tmp_path)
    only = tmp_path/'only_test'; _img(only/'test'/'a'/'1.png')
    with pytest.raises(FileNotFoundError, match='has test/ but no training folder train/'): dataset_items(only)


def test_none_keeps_every_image():
    labels = ['a']*5 + ['b']*2 + ['c']*9
    assert imbalanced_subsample(labels, 'none').tolist() == list(range(16))
    assert imbalanced_subsample(labels, 'none', n_max=2).tolist() == sorted(  # an explicit n_max still balances
        imbalanced_subsample(labels, counts=[2, 2, 2]).tolist())
    with pytest.raises(ValueError, match="Class 'd' has no items"):
        imbalanced_subsample(labels, 'none', vocab=['a', 'b', 'c', 'd'])
    assert heldout_skipped(labels, 2) == ['b'] and heldout_skipped(labels, 5) == ['a', 'b'] and heldout_skipped(labels, 0) == []


def test_resized_path_trains(mixed):
    from fastai.vision.all import Learner, accuracy, nn
    dls = imbalanced_dls(dataset_items(mixed), kind='none', size=32, bs=4, val_bs=16, heldout=2, eval_on='heldout', device='cpu')
    assert not dls.fast and dls.size == (32, 32) and dls.bad_images == []
    assert class_counts(dls) == [7, 2, 2] and dls.heldout_skipped == ['c2']
    assert torch.bincount(torch.tensor([int(y) for _, y in dls.valid.dataset]), minlength=3).tolist() == [2, 2, 0]  # held out
    xb, yb = dls.one_batch()
    assert xb.shape == (4, 3, 32, 32) and xb.dtype == torch.float32 and yb.shape == (4,)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
    learn = Learner(dls, model, metrics=accuracy)
    learn.fit(1, 1e-2)
    assert len(learn.recorder.values) == 1 and np.isfinite(learn.recorder.values[0]).all()


def test_fast_path_rule(tmp_path):
    src = mixed_image_folder(tmp_path/'s', counts=(5, 3), sizes=(32, 32))
    df = dataset_items(src)
    d = imbalanced_dls(df, kind='none', bs=4, device='cpu', disk_cache=False)
    assert d.fast and d.size is None and d.train.xs.shape == (8, 3, 32, 32)
    x = d.train.xs.float()/255.  # the training images' own statistics, from the whole tensor
    assert np.allclose(d.stats[0], x.mean((0, 2, 3)).tolist()) and np.allclose(d.stats[1], x.std((0, 2, 3)).tolist())
    assert not imbalanced_dls(df, kind='none', size=24, device='cpu').fast
    big = mixed_image_folder(tmp_path/'b', counts=(2, 2), sizes=(80, 80))
    assert not imbalanced_dls(dataset_items(big), kind='none', device='cpu').fast  # one size, but above 64 px
    with pytest.raises(ValueError, match='size must be a whole number of pixels'):
        imbalanced_dls(df, kind='none', size=(32, 0))


def test_unreadable_images(tmp_path):
    src = mixed_image_folder(tmp_path/'m', counts=(5, 3), sizes=(20, 40))
    jpg = next((src/'train'/'c0').glob('*.jpg')); png = next((src/'train'/'c1').glob('*.png'))
    (src/'train'/'c0'/'half.jpg').write_bytes(jpg.read_bytes()[:len(jpg.read_bytes())//2])
    (src/'train'/'c1'/'half.png').write_bytes(png.read_bytes()[:len(png.read_bytes())//2])
    (src/'train'/'c1'/'empty.png').write_bytes(b'')
    items = dataset_items(src)
    kept, bad = check_images(items)
    assert sorted(p.split('/')[-1] for p, _ in bad) == ['empty.png', 'half.jpg', 'half.png'] and len(kept) == len(items) - 3
    assert all(r for _, r in bad)
    with pytest.raises(ValueError, match=r'3 unreadable image\(s\), the first .*(half|empty)'):
        check_images(items, strict=True)
    with pytest.raises(ValueError, match=r'3 unreadable image\(s\)'):
        imbalanced_dls(items, kind='none', size=24, strict=True)
    with pytest.warns(UserWarning, match='Skipped 3 unreadable image'):
        d = imbalanced_dls(items, kind='none', size=24, device='cpu')
    assert len(d.bad_images) == 3 and class_counts(d) == [5, 3]
    with pytest.raises(ValueError, match='half'):  # unchecked, the fast path still names the file when it decodes it
        imbalanced_dls(items, kind='none', size=24, fast=True, check=False, disk_cache=False, device='cpu')
