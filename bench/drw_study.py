"""The DRW study's table (step CIFAR-10, rho = 100, ResNet-20, 30 epochs, seed 0), from the recorded trainings.

`python bench/reproduce.py drw-study` trains the variants; this prints (and saves as bench/results/drw-study-cpu.md)
their test accuracy overall, over the five major and the five minor classes, and of the largest and the smallest class,
marking unfinished ones `pending`.

    python bench/drw_study.py
"""
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here)); sys.path.insert(0, str(here.parent))
import reproduce as R  # noqa: E402
from reproduce import name_of, suite, label  # noqa: E402


def variant(s):
    "A readable name of a drw-study setting"
    m, dm, ds = s['method'], s.get('drw_mfw_alpha'), s.get('drw_start', 0.8)
    if m == 'mfw': return f"MFW (α {s['alpha']:g})"
    if m == 'mfw-drw':
        when = 'MFW kept on when re-weighting' if dm == 'keep' else 'MFW off when re-weighting' if dm == 0 else f"MFW α {dm:g} when re-weighting"
        return f"MFW (α {s['alpha']:g}) + DRW from {100*ds:.0f}%, {when}"
    return {'drw': 'ERM + DRW from 80%', 'ldam-drw': 'LDAM-DRW (DRW from 80%)', 'erm': 'ERM'}.get(m, label(dict(method=m, drw_start=ds, drw_mfw_alpha=dm)))


def rows():
    out = []
    for s in suite('drw-study'):
        r = R.recorded(s, 0)
        out.append(dict(variant=variant(s), name=name_of(s, 0), **({} if r is None else dict(
            accuracy=r['accuracy'], major=sum(r['per_class_accuracy'][:5])/5, minor=sum(r['per_class_accuracy'][5:])/5,
            largest=r['per_class_accuracy'][0], smallest=r['per_class_accuracy'][-1]))))
    return out


def markdown(rs):
    L = ['| variant | accuracy % | major classes % | minor classes % | largest class % | smallest class % |', '|---|---|---|---|---|---|']
    for r in rs:
        if 'accuracy' not in r: L.append(f"| {r['variant']} | pending | | | | |"); continue
        L.append(f"| {r['variant']} | {100*r['accuracy']:.1f} | {100*r['major']:.1f} | {100*r['minor']:.1f} | {100*r['largest']:.1f} | {100*r['smallest']:.1f} |")
    return '\n'.join(L)


if __name__ == '__main__':
    md = markdown(rows())
    (here/'results'/'drw-study-cpu.md').write_text(md + '\n')
    print(md)
