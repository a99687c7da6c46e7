"""Copy the training images of one imbalanced CIFAR selection, and the test split (or a seeded part of it), into a small
folder in CIFAR's layout, optionally re-encoded as lossless WebP and packed into one zip file.

A GPU machine that cannot download data gets exactly the images a run uses instead of the whole data set. Because the
folder holds exactly the selected images, the same `kind`, `rho`, `n_max` and `seed` (and `n_valid`) select all of them
there: the run trains on the same images.

    python bench/carry_subset.py --kind exp --rho 100 --dest .gpu_data/cifar10                 # 12,406 + 10,000 PNG, ~55 MB
    python bench/carry_subset.py --kind step --rho 10 --n-valid 100 --webp --zip .gpu_data/cifar10.zip
    # 27,500 training + 1,000 test images as lossless WebP (the same pixels, ~20% smaller than CIFAR's PNG), ~51 MB:
    # what fits the 64 MiB a device call carries beside the wheels and the run folders.
    # there: mfw-train --imbalance step --rho 10 --n-max 5000 --n-valid 100 ...  (bench/gpu_suite.sh)
"""
import argparse, io, shutil, zipfile
from pathlib import Path


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', default='cifar10')
    p.add_argument('--kind', default='exp', choices=['exp', 'step', 'none'])
    p.add_argument('--rho', type=float, default=100.)
    p.add_argument('--n-max', type=int, default=None, help="images in the largest class (default: all)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--n-valid', type=int, default=None, help="only the test images `mfw-train --n-valid K` evaluates on")
    p.add_argument('--webp', action='store_true', help="re-encode as lossless WebP (checked: the decoded pixels are equal)")
    p.add_argument('--dest', default=None, help="a folder (replaced)")
    p.add_argument('--zip', default=None, help="a zip file holding the folder `<dataset>/` (replaced)")
    args = p.parse_args()
    if (args.dest is None) == (args.zip is None): p.error("give one of --dest and --zip")
    import numpy as np
    from PIL import Image
    from mfw_fastai.data import cifar_path, folder_items, select_items
    src = cifar_path(args.dataset)
    tr, va, _ = select_items(folder_items(src, 'train', 'test'), args.kind, args.rho, args.n_max, seed=args.seed, n_valid=args.n_valid)
    keep = list(map(Path, tr.fname)) + list(map(Path, va.fname))

    def content(f):
        "Name inside the data set and bytes of one image"
        rel = f.relative_to(src)
        if not args.webp: return rel, f.read_bytes()
        im = Image.open(f).convert('RGB'); b = io.BytesIO(); im.save(b, 'WEBP', lossless=True, method=2) # method 6 is 90x slower and no smaller on CIFAR
        if not np.array_equal(np.asarray(Image.open(io.BytesIO(b.getvalue())).convert('RGB')), np.asarray(im)):
            raise RuntimeError(f"WebP changed the pixels of {f}")
        return rel.with_suffix('.webp'), b.getvalue()

    size = 0
    if args.zip:
        z = Path(args.zip); z.parent.mkdir(parents=True, exist_ok=True); tmp = z.with_suffix('.tmp')
        with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_STORED if args.webp else zipfile.ZIP_DEFLATED) as zf:
            for f in keep:
                rel, b = content(f); zf.writestr(str(Path(args.dataset)/rel), b)
        tmp.replace(z); size, where = z.stat().st_size, z
    else:
        dest = Path(args.dest)
        if dest.exists(): shutil.rmtree(dest)
        for f in keep:
            rel, b = content(f); d = dest/rel
            d.parent.mkdir(parents=True, exist_ok=True); d.write_bytes(b); size += len(b)
        where = dest
    print(f"{len(tr)} training + {len(va)} test images, {size/2**20:.1f} MiB -> {where}")


if __name__ == '__main__': main()
