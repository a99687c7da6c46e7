"""The bf16 decision of `--precision auto` on this host, measured as `mfw-train` would measure it (`bf16_speedup`, one
thread, fp32 and bf16 rounds interleaved, medians), under a load you set up yourself, appended to a file:

    python bench/bf16_decision.py --label idle                     # nothing else running
    python bench/bf16_decision.py --label "one training running"   # with another training on the other core

Each line: the label, the CPU model and its bf16/AMX/AVX-512 flags, whether bf16 is native here, the measured speed-up
(fp32 time / bf16 time), whether the rounds agreed within the margin, and the decision `auto` takes from it.
"""
import argparse, json, time
from pathlib import Path
from mfw_fastai.callback.precision import bf16_speedup, cpu_bf16_support, cpu_info, resolve_precision


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--label', required=True, help="the load the measurement ran under")
    p.add_argument('--repeats', type=int, default=3); p.add_argument('--n', type=int, default=1, help="steps per round")
    p.add_argument('--out', default=str(Path(__file__).parent/'results'/f"bf16-decision-cpu-{time.strftime('%Y-%m-%d')}.jsonl"))
    a = p.parse_args()
    native, why = cpu_bf16_support()
    rec = bf16_speedup(refresh=True, threads=1, repeats=a.repeats, n=a.n, cache=Path('/tmp')/'bf16-decision-cache.json', verbose=False)
    dec = resolve_precision('auto', 'cpu', speedup=rec, threads=1)
    row = {'label': a.label, **cpu_info(), 'native_bf16': native, 'why': why, 'speedup': rec['speedup'], 'stable': rec['stable'],
           'spread': rec['spread'], 'fp32_seconds': rec['fp32_seconds'], 'bf16_seconds': rec['bf16_seconds'], 'auto_decides': dec,
           'date': time.strftime('%Y-%m-%dT%H:%M:%S%z')}
    with open(a.out, 'a') as f: f.write(json.dumps(row) + '\n')
    print(json.dumps(row))


if __name__ == '__main__': main()
