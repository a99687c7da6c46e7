"""Pack and unpack the run folders of one data set of the gpu suite, so that they travel to and from a device call
(a call carries at most 64 MiB and brings back at most 8 files).

    python bench/gpu_runs.py pack step10 .gpu_runs/step10.zip     # here, before a call: the data set's runs, without the
                                                                   # weights of finished ones (a finished run is reused from its
                                                                   # results; its model.pth stays here)
    python bench/gpu_runs.py unpack .gpu_runs/step10.zip           # there, before training, and here, on what came back
    python bench/gpu_runs.py pack step10 $OUT/step10-runs.zip --all  # there, after training: everything, weights included

Run folders live in bench/runs/gpu/ (bench/reproduce.py's folder for the suite; bench/runs/gpu-tiny/ with --tiny).
"""
import argparse, json, zipfile
from pathlib import Path

runs = Path(__file__).resolve().parent/'runs'


def pack(setting, dest, all_files=False, tiny=False):
    src = runs/('gpu-tiny' if tiny else 'gpu')
    dest = Path(dest); dest.parent.mkdir(parents=True, exist_ok=True); n = 0
    with zipfile.ZipFile(dest, 'w', zipfile.ZIP_DEFLATED) as z:
        for d in sorted(src.glob(f"{setting}-*")):
            st = d/'status.json'
            done = st.exists() and json.loads(st.read_text()).get('state') == 'complete'
            for f in sorted(d.iterdir()):
                if f.is_file() and (all_files or not (done and f.name in ('model.pth', 'test_full.json'))):
                    z.write(f, str(f.relative_to(runs))); n += 1
    print(f"{n} files of {src}/{setting}-* -> {dest} ({dest.stat().st_size/2**20:.1f} MiB)")


def unpack(zf):
    "Extract over bench/runs/ (files in the zip replace those here; the others stay)"
    with zipfile.ZipFile(zf) as z:
        for name in z.namelist():
            if Path(name).is_absolute() or '..' in Path(name).parts: raise ValueError(f"Unsafe path {name!r} in {zf}")
        z.extractall(runs)
        print(f"{len(z.namelist())} files -> {runs}")


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    a = sub.add_parser('pack'); a.add_argument('setting'); a.add_argument('dest'); a.add_argument('--all', action='store_true')
    a.add_argument('--tiny', action='store_true')
    b = sub.add_parser('unpack'); b.add_argument('zip')
    args = p.parse_args()
    if args.cmd == 'pack': pack(args.setting, args.dest, args.all, args.tiny)
    else: unpack(args.zip)
