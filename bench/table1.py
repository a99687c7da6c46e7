"""The paper's Table 1 (CIFAR-10) at CPU scale, assembled from the finished trainings, with what is still missing.

Reads the trainings recorded by `bench/reproduce.py` (bench/results/runs/<name>/) and the held-out choices of `mfw-tune`
(bench/results/tune/<setting>-e30/tuned.json) and writes bench/results/table1-cpu.md and .json: per setting (long-tailed
and step, rho 10 / 100 / 200) ERM, MFW with the alpha chosen on the held-out split (by the held-out loss, mfw-tune's
default, and, as a second column, by the held-out accuracy), MFW + DRW (MFW off in the re-weighted phase: see bench/drw_study.py), the paper's numbers beside them, MFW's gain over ERM, and the
targets of the table (MFW beats ERM by >= 3 points on average over the six settings; MFW + DRW >= MFW - 1 in each).
A training that has not finished shows as `pending`, so the page can be rebuilt at any time:

    python bench/table1.py            # after (or while) python bench/reproduce.py tune / table run

The accuracy is on the whole balanced CIFAR-10 test set (10,000 images). Alpha is never chosen on it.
"""
import json, sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here)); sys.path.insert(0, str(here.parent))
import reproduce as R  # noqa: E402
from reproduce import name_of, tuned_alpha, tune_key, suite, CRITERION  # noqa: E402
from mfw_fastai.cli import paper_table1  # noqa: E402
from mfw_fastai.data import imbalance_counts  # noqa: E402

KIND = {'exp': 'long-tailed', 'step': 'step'}
LABEL = {'loss': 'held-out loss', 'accuracy': 'held-out accuracy'}  # mfw-tune's two choice rules
MAIN = CRITERION  # the table's MFW and MFW + DRW, and its targets, take the alpha of mfw-tune's default rule (the held-out loss)
OTHER = next(c for c in LABEL if c != MAIN)  # the other rule's alpha, from the same candidate trainings, in the second column


def cell(s, seeds):
    "Mean accuracy (overall and per class) over the seeds that finished, the seeds it is over, the seconds they took"
    done = [(sd, r) for sd in seeds for r in [R.recorded(s, sd)] if r is not None]
    if not done: return None
    per_class = [sum(c)/len(done) for c in zip(*(r['per_class_accuracy'] for _, r in done))]  # mean over the seeds, class order
    return {'accuracy': sum(r['accuracy'] for _, r in done)/len(done), 'seeds': [sd for sd, _ in done], 'of_seeds': list(seeds),
            'per_seed': {sd: r['accuracy'] for sd, r in done}, 'seconds': {name_of(s, sd): r['seconds'] for sd, r in done},
            'per_class': per_class, 'minor_half': sum(per_class[5:])/5}


def tune_cost(s):
    f = R.TUNE/tune_key(s)/'tuned.json'
    return json.loads(f.read_text())['train_seconds'] if f.exists() else None


def build():
    "One row per setting of the table suite (its seeds, and its MFW + DRW variant, come from the suite itself)"
    table = suite('table')
    rows = []
    for erm in (s for s in table if s['method'] == 'erm'):
        k, r = erm['imbalance'], erm['rho']
        mine = {s['method']: s for s in table if (s['imbalance'], s['rho']) == (k, r)}
        row = {'kind': k, 'rho': r, 'tune_seconds': tune_cost(erm),
               'seeds_of': {m: s['seeds'] for m, s in mine.items()},  # MFW + DRW may run fewer seeds than ERM and MFW
               'paper': {m: paper_table1['cifar10'][m][f"{k}{r}"] for m in ('erm', 'mfw', 'mfw-drw')}}
        row['erm'] = cell(erm, erm['seeds'])
        for crit in (MAIN, OTHER):
            a = tuned_alpha(mine['mfw'], crit)
            row[f'alpha_by_{crit}'] = a
            for m in ('mfw', 'mfw-drw'): row[f'{m}_by_{crit}'] = None if a is None else cell(dict(mine[m], alpha=a), mine[m]['seeds'])
        rows.append(row)
    return sorted(rows, key=lambda w: (w['kind'], w['rho']))


def fmt(c, alpha=None):
    "accuracy %, with alpha and the seeds it averages"
    if c is None: return 'pending' + (f" (α {alpha:g})" if alpha is not None else '')
    notes = ([f"α {alpha:g}"] if alpha is not None else []) + (
        [f"{len(c['seeds'])} of {len(c['of_seeds'])} seeds" if len(c['seeds']) < len(c['of_seeds']) else f"mean of {len(c['seeds'])}"] if len(c['of_seeds']) > 1 else [])
    return f"{100*c['accuracy']:.1f}" + (f" ({', '.join(notes)})" if notes else '')


def paired(a, b):
    "The seeds both cells finished: a difference is taken over these (the same seed draws the same training subset)"
    return [] if a is None or b is None else [sd for sd in a['seeds'] if sd in b['seeds']]


def gain(a, b):
    "a − b in points, the mean of the per-seed differences over the seeds both finished (None if they share none)"
    both = paired(a, b)
    return sum(100*(a['per_seed'][sd] - b['per_seed'][sd]) for sd in both)/len(both) if both else None


def fmt_gain(a, b):
    "gain(a, b), naming its seeds where it leaves out a seed one of them finished"
    g, both = gain(a, b), paired(a, b)
    if g is None: return '-'
    return f"{g:+.1f}" + (f" (seeds {', '.join(map(str, both))})" if len(both) < max(len(a['seeds']), len(b['seeds'])) else '')


def markdown(rows):
    L = [f"| setting | ERM % | MFW % (α by {LABEL[MAIN]}) | MFW + DRW % (same α, MFW off when re-weighting) | MFW − ERM | MFW % (α by {LABEL[OTHER]}) | MFW + DRW % (same α) | paper ERM / MFW / MFW + DRW |",
         '|---|---|---|---|---|---|---|---|']
    for w in rows:
        a, l = w[f'alpha_by_{MAIN}'], w[f'alpha_by_{OTHER}']
        L.append(f"| {KIND[w['kind']]} ρ = {w['rho']} | {fmt(w['erm'])} | "
                 + (fmt(w[f'mfw_by_{MAIN}'], a) if a is not None else 'pending (not tuned yet)') + ' | '
                 + (fmt(w[f'mfw-drw_by_{MAIN}']) if a is not None else 'pending') + ' | '
                 + fmt_gain(w[f'mfw_by_{MAIN}'], w['erm']) + ' | '
                 + (fmt(w[f'mfw_by_{OTHER}'], l) if l is not None else 'pending (not tuned yet)') + ' | '
                 + (fmt(w[f'mfw-drw_by_{OTHER}']) if l is not None else 'pending') + ' | '
                 + ' / '.join(f"{w['paper'][m]:.1f}" for m in ('erm', 'mfw', 'mfw-drw')) + ' |')
    done = [(w, g) for w in rows for g in [gain(w[f'mfw_by_{MAIN}'], w['erm'])] if g is not None]
    gains = [g for _, g in done]
    runs = {n: (t, 30*n_train(w['kind'], w['rho'])) for w in rows for key in ('erm', 'mfw_by_accuracy', 'mfw-drw_by_accuracy', 'mfw_by_loss', 'mfw-drw_by_loss')
            if w[key] for n, t in w[key]['seconds'].items()} # a run both criteria chose counts once; its training images, 30 epochs
    secs = sum(t for t, _ in runs.values())
    # A record faster than any training here (FASTEST) kept only the part after a resume: versions before
    # 2026-11-28 did not carry the earlier part's seconds over. Their missing time is estimated at the median speed.
    short = sorted(n for n, (t, imgs) in runs.items() if imgs > FASTEST*t)
    ips = median_ips()
    missing = sum(imgs/ips - t for n, (t, imgs) in runs.items() if n in short) if short and ips else 0.
    tune = sum(w['tune_seconds'] or 0 for w in rows)
    drw_ok = [(w, fmt_gain(w[f'mfw-drw_by_{MAIN}'], w[f'mfw_by_{MAIN}'])) for w in rows if paired(w[f'mfw-drw_by_{MAIN}'], w[f'mfw_by_{MAIN}'])]
    behind = [f"{KIND[w['kind']]} ρ = {w['rho']}: {fmt_gain(w[f'mfw_by_{MAIN}'], w['erm'])}" for w, g in done if g <= 0]
    L += ['', f"- Settings with ERM and MFW finished: {len(done)} of 6" + (f"; MFW − ERM mean over them {sum(gains)/len(gains):+.1f} points "
          f"(target: ≥ +3.0 over all six); MFW above ERM in {len(gains) - len(behind)} of them (target: all six)"
          + (f", not in {', '.join(behind)}" if behind else '') if gains else '') + '.',
          '- MFW + DRW − MFW (target ≥ −1 in every setting): ' + (', '.join(f"{KIND[w['kind']]} ρ = {w['rho']}: {d}" for w, d in drw_ok) or 'none finished yet') + '.',
          f"- Machine time of the finished trainings above: {secs/3600:.1f} h as recorded"
          + (f" (where {len(short)} of them, {', '.join(short)}, recorded only the part after a resume"
             + (f", about {missing/3600:.1f} h more at the median of {ips:.0f} images/s" if ips else '') + ')' if short else '')
          + f"; of the held-out tuning so far: {tune/3600:.1f} h (one process each, two at a time on the 2-core CPU)."]
    spread = seed_spread(rows)
    if spread: L.append('- Seed to seed, where several seeds finished (the yardstick for the single-seed settings): ' + '; '.join(spread) + '.')
    return '\n'.join(L)


def seed_spread(rows):
    "MFW − ERM per seed (same seed: same subset of the training set) and its sample sd, where both ran with 2 or more seeds"
    import statistics
    out = []
    for w in rows:
        for crit in (MAIN, OTHER):
            m, e = w[f'mfw_by_{crit}'], w['erm']
            if crit == OTHER and w[f'alpha_by_{OTHER}'] == w[f'alpha_by_{MAIN}']: continue
            both = paired(m, e)
            if len(both) < 2: continue
            d = [100*(m['per_seed'][sd] - e['per_seed'][sd]) for sd in both]
            out.append(f"{KIND[w['kind']]} ρ = {w['rho']}, α {w[f'alpha_by_{crit}']:g} (held-out {crit}): MFW − ERM per seed "
                       + ', '.join(f"{x:+.1f}" for x in d) + f" points (sd {statistics.stdev(d):.1f})")
    return out


def n_train(kind, rho, heldout=0):
    "CIFAR-10 training images of a setting (minus `heldout` per class for a tuning candidate)"
    return sum(imbalance_counts(5000, 10, kind, rho)) - 10*heldout


FASTEST = 2000  # images/s: no training here comes near it (ResNet-20 on this CPU: ~250-460 images/s per process)

def median_ips():
    "The median speed of the recorded 30-epoch test-set trainings (images per second, one process each, two at a time)"
    import statistics
    ips = [r['images_per_second'] for d in R.RECORD.glob('*-e30-s*') if (d/'results.json').exists() and 'heldout' not in d.name
           for r in [json.loads((d/'results.json').read_text())] if r.get('images_per_second')]
    return statistics.median(ips) if ips else None


def remaining(rows, alphas=4, epochs=30):
    """The trainings the table still needs and their machine time, estimated from the recorded trainings' median
    speed (images per second, one process each, two at a time). Untuned settings count their tuning (`alphas`
    candidates) and the MFW and MFW + DRW runs by the default rule (MAIN); the other rule may add as many again."""
    ips = median_ips()
    todo = []  # the training images of each training still to run
    for w in rows:
        k, r = w['kind'], w['rho']
        n = n_train(k, r)
        todo += [n]*(len(w['seeds_of']['erm']) - len(w['erm']['seeds'] if w['erm'] else []))
        if w[f'alpha_by_{MAIN}'] is None:
            todo += [n_train(k, r, 3)]*alphas + [n]*sum(len(w['seeds_of'][m]) for m in ('mfw', 'mfw-drw'))
            continue
        runs = {(m, w[f'alpha_by_{crit}']): len(w['seeds_of'][m]) - len(w[f'{m}_by_{crit}']['seeds'] if w[f'{m}_by_{crit}'] else [])
                for crit in (MAIN, OTHER) for m in ('mfw', 'mfw-drw')}  # distinct trainings: a run both criteria chose counts once
        todo += [n]*sum(runs.values())
    secs = sum(todo)*epochs/ips if ips and todo else 0.
    return {'trainings': len(todo), 'seconds': secs, 'images_per_second': ips}


def tuner_check(alphas=(0.5, 1, 2, 5)):
    """Target 3: test-set accuracy of each candidate alpha (alpha-check, seed 0) against mfw-tune's choices, per setting of
    the alpha-check suite (long-tailed rho = 100, the target's; rho = 200, a second check of the choice rules; rho = 10, where MFW
    at the chosen alpha fell short of ERM)"""
    accs, L = {}, []
    settings = {(s['imbalance'], s['rho']): s for s in suite('alpha-check')}  # one per setting: its candidates differ only in alpha
    for (k, r), base in settings.items():
        acc = {a: R.recorded(dict(base, alpha=a), 0) for a in alphas}
        acc = accs[f"{k}{r}"] = {a: x['accuracy'] for a, x in acc.items() if x is not None}
        where = f"{KIND[k]} ρ = {r}"
        f = R.TUNE/tune_key(base)/'tuned.json'
        L += [f"Check of the tuner on {where} (target: the chosen α within 1 point of the best α on the test set; seed 0, "
              '`python bench/reproduce.py alpha-check`, test-set runs made only for this check): '
              + ', '.join(f"α {a:g}: {100*acc[a]:.1f}%" if a in acc else f"α {a:g}: pending" for a in alphas) + '.', '']
        if not f.exists():
            L += [f"- {where} is not tuned yet.", '']; continue
        t = json.loads(f.read_text())
        for crit, o in sorted(t.get('by_criterion', {t['criterion']: t}).items(), key=lambda x: x[0] != MAIN):  # the default rule first
            a, rule = o['alpha'], LABEL[crit] + (" (mfw-tune's default)" if crit == MAIN else '')
            if a in acc and len(acc) == len(alphas):
                d = 100*(max(acc.values()) - acc[a])
                L.append(f"- By {rule}: α {a:g} ({100*o['stability']:.0f}% of resamples), {d:.1f} points below the best: "
                         + ('within 1 point' if d <= 1 else 'NOT within 1 point') + '.')
            else: L.append(f"- By {rule}: α {a:g}; the check waits for the pending runs.")
        L.append('')
    return accs, '\n'.join(L).rstrip()


if __name__ == '__main__':
    rows = build()
    acc, chk = tuner_check()
    left = remaining(rows)
    dur = lambda sec: f"{sec/3600:.0f} h" if sec >= 5400 else f"{sec/60:.0f} min"
    md = markdown(rows) + (f"\n- Still to train: {left['trainings']} training{'s' if left['trainings'] != 1 else ''}, about {dur(left['seconds'])} of machine time "
          f"(about {dur(left['seconds']/min(2, left['trainings']))} of wall time two at a time, at the recorded median of {left['images_per_second']:.0f} images/s "
          f"per training), more where the {LABEL[OTHER]} chooses another α than the {LABEL[MAIN]}." if left['trainings'] else '') + '\n\n' + chk
    (here/'results'/'table1-cpu.json').write_text(json.dumps({'settings': rows, 'remaining': left, 'alpha_check_test_accuracy': {k: {str(a): v for a, v in d.items()} for k, d in acc.items()}}, indent=1))
    (here/'results'/'table1-cpu.md').write_text(md + '\n')
    print(md)
