"""Your own images through the command line: `mfw-train` and `mfw-tune` on a generated folder of mixed-size, mixed-mode
image files, on a CSV and on a list file, with a torchvision model at --size 64 and a CIFAR ResNet, fine-tuning from a
weights file; and every bad input refused with its message and nothing written to the run folder."""
import json, subprocess, sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from PIL import Image

from mfw_fastai.cli import mfw_train
from mfw_fastai.data import mixed_image_folder

ONE = ['--imbalance', 'none', '--epochs', '1', '--bs', '8', '--threads', '1', '--quiet']


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    return mixed_image_folder(tmp_path_factory.mktemp('own')/'photos', counts=(9, 4, 2), n_valid=2, sizes=(20, 90))


def train(*args):
    "mfw-train in this process: (exit code, its stderr is captured by pytest)"
    try: mfw_train(list(map(str, args))); return 0
    except SystemExit as e: return e.code


def results(out):
    return json.loads((Path(out)/'results.json').read_text()), json.loads((Path(out)/'config.json').read_text())


def test_folder_torchvision_model_at_size_64(folder, tmp_path, capsys):
    assert train('--dataset', folder, '--arch', 'resnet18', '--size', 64, *ONE[:-1], '--out', tmp_path/'r18') == 0
    out = capsys.readouterr().out
    assert '15 training images in 3 classes (their own imbalance; largest/smallest 4.5), 6 evaluation images: c0 9, c1 4, c2 2' in out
    res, cfg = results(tmp_path/'r18')
    assert cfg['class_counts'] == [9, 4, 2] and cfg['settings']['arch'] == 'resnet18' and cfg['settings']['size'] == 64
    assert len(res['per_class_accuracy']) == 3 and res['eval_set'] == 'test'
    assert 'fc.weight' not in torch.load(tmp_path/'r18'/'model.pth', weights_only=True) # fastai's body + head, not torchvision's fc


def test_csv_and_list_file_with_a_cifar_resnet(folder, tmp_path):
    rows = [(str(p.relative_to(folder)), p.parent.name, p.parts[-3] == 'valid') for p in sorted(folder.rglob('*.*'))]
    pd.DataFrame(rows, columns=['fname', 'label', 'is_valid']).to_csv(folder/'labels.csv', index=False)
    assert train('--dataset', folder/'labels.csv', '--arch', 'resnet20', '--size', 32, *ONE, '--out', tmp_path/'csv') == 0
    (folder/'train.txt').write_text(''.join(f"{f} {l}\n" for f, l, v in rows if not v))
    (folder/'val.txt').write_text(''.join(f"{f} {l}\n" for f, l, v in rows if v))
    assert train('--dataset', folder/'train.txt', '--valid', folder/'val.txt', '--arch', 'resnet20', '--size', 32, *ONE, '--out', tmp_path/'lst') == 0
    (rc, cc), (rl, cl) = results(tmp_path/'csv'), results(tmp_path/'lst')
    assert cc['class_counts'] == cl['class_counts'] == [9, 4, 2] and cc['n_eval'] == cl['n_eval'] == 6
    assert rc['per_class_accuracy'] == rl['per_class_accuracy'] # the same images, the same seed: the same run


def test_fine_tune_from_a_weights_file(folder, tmp_path):
    from torchvision.models import resnet18
    torch.manual_seed(0); torch.save(resnet18().state_dict(), tmp_path/'w.pth')
    assert train('--dataset', folder, '--arch', 'resnet18', '--weights', tmp_path/'w.pth', '--size', 32, '--imbalance', 'none',
                 '--epochs', '2', '--bs', '8', '--threads', '1', '--quiet', '--out', tmp_path/'ft') == 0
    _, cfg = results(tmp_path/'ft')
    assert cfg['settings']['freeze_epochs'] == 1 and cfg['settings']['lr'] == 0.01 # the head alone first; a fine-tuning step size


def test_tune_two_candidates_then_train_with_the_choice(folder, tmp_path):
    r = subprocess.run(['mfw-tune', '--dataset', str(folder), '--arch', 'resnet18', '--size', '64', '--imbalance', 'none', '--epochs', '1',
                        '--bs', '8', '--alphas', '1', '5', '--n-heldout', '2', '--jobs', '2', '--out', str(tmp_path/'tune')],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'held-out split: 2 training images of each class; 1 classes with 2 or fewer keep theirs and are not held out: c2' in r.stdout
    t = json.loads((tmp_path/'tune'/'tuned.json').read_text())
    assert t['alpha'] in (1., 5.) and t['n_candidates'] == 2 and t['settings']['arch'] == 'resnet18'
    assert train('--dataset', folder, '--arch', 'resnet18', '--size', 64, *ONE, '--alpha', f"tuned:{tmp_path/'tune'}", '--out', tmp_path/'best') == 0
    assert results(tmp_path/'best')[1]['settings']['alpha'] == t['alpha']
    # own data keeps its imbalance: no rho is shown for it (the default --rho means nothing here)
    assert 'Held-out tuning of MFW for photos its own imbalance, mfw, resnet18' in r.stdout and 'rho=' not in r.stdout
    tab = subprocess.run(['mfw-table', str(tmp_path/'best'), '--paper'], capture_output=True, text=True, check=True).stdout
    acc = 100*results(tmp_path/'best')[0]['accuracy']
    assert tab.splitlines()[:3] == ['| method | photos (own imbalance) |', '|---|---|', f"| mfw | {acc:.1f} |"], tab


def test_show_groups(capsys):
    assert train('--show-groups', '--arch', 'resnet18', '--size', 64) == 0
    out = capsys.readouterr().out
    assert 'Groups of resnet18' in out and '(512, 2, 2)' in out and '(64, 16, 16)' in out


def _bad(folder, tmp_path, kind):
    "A copy of the folder (or a file beside it) broken in one way; returns the --dataset (and --valid) arguments"
    import shutil
    d = tmp_path/kind; shutil.copytree(folder, d)
    tr = sorted((d/'train'/'c0').iterdir())
    if kind == 'corrupt': tr[0].write_bytes(tr[0].read_bytes()[:40]); return [d, '--strict']
    if kind == 'empty-class': (d/'train'/'c3').mkdir(); return [d]
    if kind == 'test-only-class': (d/'valid'/'c9').mkdir(); Image.new('RGB', (9, 9)).save(d/'valid'/'c9'/'x.png'); return [d]
    if kind == 'csv-missing-label':
        (d/'l.csv').write_text(f"fname,label\n{tr[0].relative_to(d)},c0\n{tr[1].relative_to(d)},\n"); return [d/'l.csv']
    if kind == 'list-nowhere':
        (d/'t.txt').write_text(f"{tr[0].relative_to(d)} c0\ntrain/c0/gone.png c0\n"); (d/'v.txt').write_text(f"{tr[1].relative_to(d)} c0\n")
        return [d/'t.txt', '--valid', d/'v.txt']
    if kind == 'list-outside':
        (d/'t.txt').write_text(f"{tr[0].relative_to(d)} c0\n../{folder.name}/train/c0/{tr[1].name} c0\n"); (d/'v.txt').write_text(f"{tr[1].relative_to(d)} c0\n")
        return [d/'t.txt', '--valid', d/'v.txt']


@pytest.mark.parametrize('kind,msg', [
    ('corrupt', 'unreadable image'), ('empty-class', 'c3'), ('test-only-class', 'c9'), ('csv-missing-label', "column 'label' is empty on 1 line(s): 3"),
    ('list-nowhere', 't.txt:2'), ('list-outside', 't.txt:2'), ('arch', "Unknown architecture 'resnet19'")])
def test_bad_input_refused_with_nothing_written(folder, tmp_path, capsys, kind, msg):
    ds = [folder] if kind == 'arch' else _bad(folder, tmp_path, kind)
    arch = 'resnet19' if kind == 'arch' else 'resnet20'
    out = tmp_path/'run'
    assert train('--dataset', *ds, '--arch', arch, '--size', 32, *ONE, '--out', out) == 2
    err = capsys.readouterr().err
    assert msg in err and err.count('\n') == 1, err # one line
    assert not out.exists() or not any(out.iterdir())
