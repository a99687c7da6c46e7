"""One device call of issue 20's GPU checks: throughput first, then as much of the paper's recipe as fits, resumed by the
next call.

  1. throughput (bench/throughput.py, long-tailed CIFAR-10 rho=100, once: a later call that finds it done skips it):
     bare loop, reference loop, ours eager (bf16 autocast on a GPU), ours captured (`mfw_learner(..., compile=True)`:
     torch.compile, CUDA graphs), and the aggregate of N concurrent captured trainings (N from mfw_fastai.jobs.auto_jobs)
  2. the paper's recipe for one data set of `bench/reproduce.py gpu` (default exp100, the issue's row: ERM 200 epochs,
     MFW and MFW + DRW 300, ResNet-32), all its trainings at once (mfw_fastai.jobs.run_jobs, `--compile`), until the
     time is up; each stops at its last finished epoch and the next call resumes it. Run folders are bench/reproduce.py's
     (bench/runs/gpu/<name>), so `python bench/reproduce.py gpu --only exp100 --n-valid 100 --full-test` tabulates them
     when they are complete.

    python bench/gpu_speed.py --device cuda --out $OUT              # on the device (bench/gpu_speed.sh)
    python bench/gpu_speed.py --device cpu --tiny --epochs 4 --minutes 1 --out /tmp/o   # a dry run here

Writes to --out: throughput.json (step 1), progress.json (every training's state, epochs done, images/s, and the
stderr tail of any failure) and job-logs.zip.
"""
import argparse, json, sys, time, zipfile
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here)); sys.path.insert(0, str(here.parent))
import reproduce  # noqa: E402  (bench/reproduce.py: the suite, its run names and mfw-train arguments)
from mfw_fastai.jobs import run_cmd, run_jobs, auto_jobs  # noqa: E402


def throughput(args, out, deadline):
    "Step 1 (skipped when an earlier call left its result in the run folders)"
    keep = here/'runs'/('gpu-tiny' if args.tiny else 'gpu')/f"{args.setting}-throughput"/'throughput.json'
    if keep.exists() and not args.throughput_again:
        print(f"== throughput: done in an earlier call ({keep})", flush=True); (out/'throughput.json').write_text(keep.read_text()); return
    rows = ['bare', 'reference', 'mfw', 'mfw-captured', 'concurrent']
    cmd = [sys.executable, str(here/'throughput.py'), '--device', args.device, '--kind', 'exp', '--n-batches', str(args.nb),
           '--repeats', str(args.repeats), '--workers', '4', '--rows', *rows, '--concurrent', args.concurrent, '--out', str(out/'throughput.json')]
    if args.tiny: cmd += ['--bs', '32', '--rho', '10', '--n-max', '40'] # the carried tiny subset
    if args.device == 'cpu': cmd += ['--threads', '1'] # as each concurrent process has (dry runs)
    print(f"== throughput ({time.strftime('%H:%M:%S')}): {' '.join(cmd[1:])}", flush=True)
    r = run_cmd(cmd, out=out/'throughput.log', err=out/'throughput.err', deadline=deadline, stop_grace=10)
    print((out/'throughput.log').read_text()[-2500:], flush=True)
    if r.state != 'done': print(f"throughput {r.state} (rc {r.returncode}):\n{r.err_tail(2000)}", flush=True); return
    keep.parent.mkdir(parents=True, exist_ok=True); keep.write_text((out/'throughput.json').read_text())


def settings(args):
    ss = [s for s in reproduce.suite('gpu') if f"{s['imbalance']}{s['rho']:g}" == args.setting and s['method'] in args.methods]
    if not ss: raise SystemExit(f"--setting {args.setting} with --methods {args.methods} selects nothing of the gpu suite")
    return [dict(s, epochs=args.epochs or s['epochs']) for s in ss]


def train(args, out, deadline):
    "Step 2: the data set's trainings, all at once, until `deadline`; finished ones are skipped, stopped ones resumed"
    runs = here/'runs'/('gpu-tiny' if args.tiny else 'gpu')
    cmds, names, how = [], [], {}
    for s in settings(args):
        d = runs/reproduce.name_of(s, 0)
        st = reproduce._status(d)
        if st.get('state') == 'complete' and (d/'results.json').exists(): continue
        a = reproduce.args_of(s, args.tiny, None, 0) + ['--n-valid', str(args.n_valid)] + (['--compile'] if args.compile else [])
        if args.tiny: a = a[:a.index('--epochs') + 1] + [str(args.epochs or 1)] + a[a.index('--epochs') + 2:] # dry run: --epochs holds
        resume = (d/'checkpoint.pth').exists()
        a = [o for o in a if o != '--force'] + ['--resume'] if resume else a
        done = st.get('epochs_done', st.get('epoch')) # an interrupted run's status names the epoch it was in: the ones before it are done
        how[d] = f"resumed after {done} finished epochs" if resume else 'trained from the start'
        print(f"  {d.name}: {how[d]}", flush=True)
        cmds.append([sys.executable, '-m', 'mfw_fastai', *a, '--out', str(d)]); names.append(d)
    n = args.jobs if args.jobs != 'auto' else auto_jobs(args.device, threads=1)
    n = max(1, min(int(n), len(cmds) or 1))
    print(f"== training ({time.strftime('%H:%M:%S')}): {len(cmds)} runs of {args.setting} to go, {n} at a time, "
          f"{max(deadline - time.time(), 0)/60:.1f} min left", flush=True)
    logs = out/'job-logs'
    t = time.time()
    rs = run_jobs(cmds, n=n, logs=logs, device=args.device, threads=1 if args.device == 'cpu' else None, deadline=deadline, stop_grace=60) if cmds else []
    prog = []
    for s in settings(args):
        d = runs/reproduce.name_of(s, 0); st = reproduce._status(d)
        res = json.loads((d/'results.json').read_text()) if (d/'results.json').exists() else {}
        r = next((r for r, nm in zip(rs, names) if nm == d), None)
        prog.append(dict(run=d.name, method=s['method'], epochs=s['epochs'], how=how.get(d, 'complete before this call'), state=st.get('state'),
                         epochs_done=st.get('epochs_done', st.get('epoch')),
                         seconds=st.get('seconds'), accuracy=res.get('accuracy'), images_per_second=res.get('images_per_second'),
                         job=None if r is None else r.state, error=r.err_tail(2000) if r is not None and r.state == 'failed' else None))
        print(f"  {d.name}: {st.get('state')}, {st.get('epochs_done', st.get('epoch'))} of {s['epochs']} epochs" +
              (f", accuracy {100*res['accuracy']:.1f}% (on {args.n_valid} test images per class)" if res else ''), flush=True)
    (out/'progress.json').write_text(json.dumps(dict(setting=args.setting, compile=args.compile, jobs=n, wall_seconds=time.time() - t,
                                                     date=time.strftime('%Y-%m-%dT%H:%M:%S'), runs=prog), indent=1))
    if logs.exists():
        with zipfile.ZipFile(out/'job-logs.zip', 'w', zipfile.ZIP_DEFLATED) as z:
            for f in sorted(logs.iterdir()): z.write(f, f.name)
        for f in logs.iterdir(): f.unlink()
        logs.rmdir()
    return prog


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cuda')
    p.add_argument('--out', required=True, help="folder for the results ($OUT on the device)")
    p.add_argument('--minutes', type=float, default=8.5, help="all of it (the throughput step has at most --throughput-minutes)")
    p.add_argument('--throughput-minutes', type=float, default=4.5)
    p.add_argument('--throughput-again', action='store_true', help="measure throughput even if an earlier call did")
    p.add_argument('--nb', type=int, default=200, help="timed batches per throughput row")
    p.add_argument('--repeats', type=int, default=1, help="repeats of each throughput row")
    p.add_argument('--concurrent', default='auto', help="processes of the concurrent throughput row (a number or auto)")
    p.add_argument('--setting', default='exp100', help="the data set of the gpu suite: exp100, exp10, step100 or step10")
    p.add_argument('--methods', nargs='+', default=['erm', 'mfw', 'mfw-drw'], help="its methods to train (the issue's row by default)")
    p.add_argument('--jobs', default='auto', help="trainings at once (a number or auto)")
    p.add_argument('--no-compile', dest='compile', action='store_false', help="train without --compile")
    p.add_argument('--n-valid', type=int, default=100, help="test images per class monitored there (the carried subset)")
    p.add_argument('--epochs', type=int, default=None, help="instead of the suite's (dry runs)")
    p.add_argument('--tiny', action='store_true', help="dry run: reproduce.py's tiny settings (40 images in the largest class, rho 10)")
    args = p.parse_args()
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    end = time.time() + 60*args.minutes
    throughput(args, out, min(end, time.time() + 60*args.throughput_minutes))
    train(args, out, end)
    print(f"== done ({time.strftime('%H:%M:%S')})", flush=True)


if __name__ == '__main__': main()
