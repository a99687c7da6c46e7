"""Copy the training images of one imbalanced CIFAR selection, and the whole test split, into a small folder in CIFAR's layout.

A GPU machine that cannot download data gets exactly the images a run uses (CIFAR-10 long-tailed rho=100: 12,406 training
and 10,000 test images, about 55 MB) instead of the whole data set. Because the folder holds exactly the selected
images, the same `kind`, `rho` and `seed` select all of them there: the run trains on the same images.

    python bench/carry_subset.py --kind exp --rho 100 --dest .gpu_data/cifar10
    # there: mfw-train --dataset .gpu_data/cifar10 --imbalance exp --rho 100 ...
"""
import argparse, shutil
from pathlib import Path


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default='cifar10')
    p.add_argument('--kind', default='exp', choices=['exp', 'step', 'none'])
    p.add_argument('--rho', type=float, default=100.)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--dest', required=True)
    args = p.parse_args()
    from mfw_fastai.data import cifar_path, folder_items, imbalanced_df
    src = cifar_path(args.dataset)
    items = folder_items(src, 'train', 'test')
    tr = items[items.split == 'train']
    tr = imbalanced_df(tr, 'label', args.kind, args.rho, None, None, args.seed, sorted(set(tr.label)))
    keep = list(tr.fname) + list(items[items.split == 'valid'].fname)
    dest = Path(args.dest)
    if dest.exists(): shutil.rmtree(dest)
    size = 0
    for f in map(Path, keep):
        d = dest/f.relative_to(src)
        d.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, d); size += d.stat().st_size
    print(f"{len(tr)} training + {len(keep) - len(tr)} test images, {size/2**20:.1f} MiB -> {dest}")


if __name__ == '__main__': main()
