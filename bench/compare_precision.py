"""bf16 against fp32 on the CPU, same settings and seeds: test accuracy per seed, the means, and whether the difference
stays within the seed-to-seed spread (issue: bf16 on the CPU). Reads two `bench/reproduce.py` result files:

    python bench/compare_precision.py bench/results/reproduce-cpu-exp-seeds0-1-2-a5-cpu-2026-11-27.json \\
        bench/results/reproduce-cpu-exp-seeds0-1-2-a5-bf16-cpu-<date>.json

and writes bench/results/precision-cpu-<date>.md beside them (also printed). Target: the bf16 mean of every method within
1 point of the fp32 mean. Speed is not compared here (the two runs ran at different times, under different load):
`python bench/throughput.py` compares it within one run.
"""
import json, sys, time
from pathlib import Path
import numpy as np


def load(f):
    d = json.loads(Path(f).read_text())
    return d, {(r['method'], r['kind'], r['rho'], r['alpha'] if r['method'].startswith('mfw') else None, r['seed']): r for r in d['runs']}


def main(f32, f16, out=None):
    d32, a = load(f32); d16, b = load(f16)
    keys = sorted(set(a) & set(b), key=str)
    if not keys: raise SystemExit("no setting and seed is in both files")
    lines = [f"bf16 against fp32 on the CPU, same settings and seeds (test accuracy %, full test set).", '',
             f"- fp32: `{d32['command']}` ({d32['date']})", f"- bf16: `{d16['command']}` ({d16['date']})", '',
             '| method | kind | rho | alpha | seed | fp32 % | bf16 % | bf16 - fp32 |', '|---|---|---|---|---|---|---|---|']
    for k in keys:
        x, y = 100*a[k]['accuracy'], 100*b[k]['accuracy']
        lines.append(f"| {k[0]} | {k[1]} | {k[2]} | {'-' if k[3] is None else f'{k[3]:g}'} | {k[4]} | {x:.2f} | {y:.2f} | {y-x:+.2f} |")
    lines += ['', '| method | seeds | fp32 mean % | fp32 seed spread (max - min) | bf16 mean % | bf16 seed spread | mean difference | within 1 point |',
              '|---|---|---|---|---|---|---|---|']
    ok = True
    for m in sorted({k[:4] for k in keys}, key=str):
        ks = [k for k in keys if k[:4] == m]
        x = np.array([100*a[k]['accuracy'] for k in ks]); y = np.array([100*b[k]['accuracy'] for k in ks])
        within = abs(y.mean() - x.mean()) <= 1; ok &= within
        lines.append(f"| {m[0]} | {', '.join(str(k[4]) for k in ks)} | {x.mean():.2f} | {x.max()-x.min():.2f} | {y.mean():.2f} | "
                     f"{y.max()-y.min():.2f} | {y.mean()-x.mean():+.2f} | {'yes' if within else 'NO'} |")
    lines += ['', f"Verdict: bf16 {'keeps' if ok else 'does NOT keep'} the accuracy (every method's mean within 1 point of fp32's)."]
    md = '\n'.join(lines) + '\n'
    out = Path(out) if out else Path(f16).parent/f"precision-cpu-{time.strftime('%Y-%m-%d')}.md"
    out.write_text(md); print(md); print(f"saved {out}")
    return ok


if __name__ == '__main__':
    if len(sys.argv) not in (3, 4): raise SystemExit(__doc__)
    main(*sys.argv[1:])
