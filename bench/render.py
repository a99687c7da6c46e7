"""Every number the README and the results page quote, rendered as Markdown from the saved results.

The README's generated parts sit between `<!-- NAME:start -->` and `<!-- NAME:end -->` in `nbs/index.ipynb` (and so in
README.md, which is index's Markdown); the results page (`nbs/results.ipynb`) shows `md(NAME)` in hidden cells.
`tests/test_generated.py` fails when either differs from what this file makes of `bench/results/` now.

    python bench/render.py            # after bench/table1.py: rewrite the blocks of nbs/index.ipynb and README.md
    python tools/run_nb.py nbs/results.ipynb && nbdev-clean      # the results page's text and figure

Sources: table1-cpu.json (bench/table1.py), tune/<setting>-e30/tuned.json (mfw-tune), fit-gap-cpu.json
(bench/fit_gap.py), drw-study-cpu.md (bench/drw_study.py), quick-cpu-2026-11-27.txt (`python -m mfw_fastai --quick`),
paper-recipe-cpu.json (bench/paper_recipe.py) and the latest recipe-check-cpu-<date>.txt (bench/recipe_check.py).
"""
import json, re, statistics, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from paper_view import LABEL, class_groups, all_finished, at, plottable  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT, RESULTS = HERE.parent, HERE/'results'
DOCS = 'https://mfw-fastai.github.io/mfw_fastai/'  # pyproject's Documentation URL: the docs build makes these links relative
KIND = {'exp': 'long-tailed', 'step': 'step'}
METHODS = {'erm': 'ERM', 'mfw': 'MFW', 'mfw-drw': 'MFW + DRW'}
MAIN, OTHER = 'loss', 'accuracy'  # mfw-tune's default rule (the table's main columns), and the paper's

def load(path=RESULTS):
    "The saved results these pages quote"
    p = Path(path)
    return {'table': json.loads((p/'table1-cpu.json').read_text()),
            'tune': {d.name.split('-')[0]: json.loads((d/'tuned.json').read_text()) for d in sorted((p/'tune').glob('*-e30'))},
            'fit_gap': json.loads((p/'fit-gap-cpu.json').read_text()),
            'drw_md': (p/'drw-study-cpu.md').read_text().strip(), 'drw': md_table((p/'drw-study-cpu.md').read_text()),
            'quick': (p/'quick-cpu-2026-11-27.txt').read_text(),
            'paper': json.loads((p/'paper-recipe-cpu.json').read_text()),
            'recipe_check': next(((f.name, f.read_text()) for f in sorted(p.glob('recipe-check-cpu-*.txt'))[::-1]), None)} # the latest: (name, text)

def md_table(text):
    "{first column: [numbers of the other columns]} of a Markdown table"
    rows = [[c.strip() for c in l.strip().strip('|').split('|')] for l in text.splitlines() if l.startswith('|')][2:]
    return {r[0]: [float(x) for x in r[1:]] for r in rows}

# formatting
def pc(x): return f"{100*x:.1f}"
def n(k): return ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'][k] if k <= 10 else str(k)
def sgn(g): return f"{g:+.1f}".replace('-', '−')
def where(w): return f"{KIND[w['kind']]} ρ = {w['rho']}"
def key(w): return f"{w['kind']}{w['rho']}"
def cell(w, m, crit=MAIN): return w['erm'] if m == 'erm' else w[f'{m}_by_{crit}']
def acc(c): return '–' if c is None else pc(c['accuracy'])
def seeds(c): return ', '.join(c['per_seed'])
def ak(a): return f"{a:g}"  # an alpha as the alpha-check's keys spell it

def per_seed(a, b):
    "a − b in points, seed by seed, over the seeds both finished (the same seed draws the same training subset)"
    return [] if a is None or b is None else [100*(a['per_seed'][s] - b['per_seed'][s]) for s in a['per_seed'] if s in b['per_seed']]

def gain(a, b): return statistics.mean(per_seed(a, b)) if per_seed(a, b) else None
def halves(v): return sum(v[:5])/5, sum(v[5:])/5  # the five largest classes, the five smallest

def seeds_note(rows):
    "Which cells average several seeds: whole settings first, then single methods"
    full, part, used = [], [], set()
    for w in rows:
        ms = [m for m in METHODS if cell(w, m) and len(cell(w, m)['per_seed']) > 1]
        used |= {s for m in ms for s in cell(w, m)['per_seed']}
        if ms: (full if len(ms) == len(METHODS) else part).append(where(w) if len(ms) == len(METHODS) else f"{' and '.join(METHODS[m] for m in ms)} on {where(w)}")
    return (f"mean of seeds {', '.join(sorted(used))} on {' and '.join(full)}" + (f", and for {'; '.join(part)}" if part else '')
            + '; seed 0 elsewhere') if used else 'seed 0'

def gains(rows):
    "MFW − ERM and MFW + DRW − MFW per setting (α by the default rule)"
    return ([gain(cell(w, 'mfw'), w['erm']) for w in rows], [gain(cell(w, 'mfw-drw'), cell(w, 'mfw')) for w in rows])

def summary_line(rows):
    g, d = gains(rows)
    below = [f"{where(w)}: {sgn(x)}" for w, x in zip(rows, g) if x <= 0]
    return (f"MFW − ERM is {sgn(statistics.mean(g))} points on average over the {n(len(rows))} settings, positive in {n(sum(x > 0 for x in g))}"
            + (f" ({'; '.join(below)})" if below else '') + f"; MFW + DRW − MFW is {sgn(min(d))} to {sgn(max(d))}.")

# the README
def readme_summary(R):
    rows = R['table']['settings']; g, d = gains(rows)
    return (f"**The evidence in one line**: on the {n(len(rows))} imbalanced CIFAR-10 settings of the paper's Table 1, at a 30-epoch "
            f"schedule a CPU can train, MFW is {sgn(statistics.mean(g))} points above plain training (ERM) on average, from "
            f"{sgn(min(g))} to {sgn(max(g))}, and MFW + DRW {sgn(min(d))} to {sgn(max(d))} above MFW "
            f"([the results]({DOCS}results.html)).")

def readme_quick(R):
    q = R['quick']; m = re.search(r'wall time (\d+)m([\d.]+)s', q)
    res = {k: (a, b) for k, a, b in re.findall(r'^(\w+): accuracy ([\d.]+%), minor classes ([\d.]+%)$', q, re.M)}
    return (f"What to expect (measured on a 2-core CPU, {int(m[1]) + float(m[2])/60:.1f} min for both trainings with seed 0): "
            f"ERM {res['ERM'][0]} test accuracy with its five minor classes at {res['ERM'][1]}, "
            f"MFW {res['MFW'][0]} with them at {res['MFW'][1]}.")

def readme_notebooks(R=None):
    "The notebooks in the site's order (docs/build.py), each with its title and a link to its page"
    sys.path.insert(0, str(ROOT/'docs')); from build import course_order, page_name
    nbs = [p for p in course_order(list((ROOT/'nbs').glob('*.ipynb'))) if p.stem != 'index' and not p.name.startswith(('_', '.'))]
    title = lambda p: next(c for c in json.loads(p.read_text())['cells'] if c['cell_type'] == 'markdown')['source'][0].lstrip('# ').strip()
    return '\n'.join(f"- [{title(p)}]({DOCS}{page_name(p, {})}.html) (`{p.stem}`)" for p in nbs)

def readme_results(R):
    rows = R['table']['settings']
    L = ['| CIFAR-10 | α | ERM % | MFW % | MFW + DRW % | paper: ERM / MFW / MFW + DRW % |', '|---|---|---|---|---|---|']
    L += [f"| {where(w)} | {w[f'alpha_by_{MAIN}']:g} | {acc(w['erm'])} | {acc(cell(w, 'mfw'))} | {acc(cell(w, 'mfw-drw'))} | "
          + ' / '.join(f"{w['paper'][m]:.1f}" for m in METHODS) + ' |' for w in rows]
    return '\n'.join(L + ['', "Test accuracy on the whole balanced CIFAR-10 test set after the last epoch: ResNet-20, 30 epochs "
        f"of the paper's schedule, fp32, {seeds_note(rows)}; α chosen per setting by `mfw-tune` on 3 held-out training images per "
        "class, never on the test set; MFW + DRW with MFW off in the re-weighted epochs. The paper's numbers (ResNet-32, 300 "
        f"epochs) stand beside ours for orientation. {summary_line(rows)} Measured on a 2-core CPU. What was run, how α was "
        f"chosen, and what the table does not show: [the results page]({DOCS}results.html)."])

# the results page
def results_table(R):
    rows = R['table']['settings']
    L = ['| setting | α | seeds | ERM % | MFW % | MFW + DRW % | MFW − ERM | MFW + DRW − MFW | paper: ERM / MFW / MFW + DRW % |',
         '|---|---|---|---|---|---|---|---|---|']
    for w in rows:
        e, m, d = w['erm'], cell(w, 'mfw'), cell(w, 'mfw-drw')
        sd = seeds(e) if seeds(e) == seeds(m) == seeds(d) else f"{seeds(e)} (MFW + DRW: {seeds(d)})" if seeds(e) == seeds(m) else \
             '; '.join(f"{lab} {seeds(cell(w, k))}" for k, lab in METHODS.items())
        L.append(f"| {where(w)} | {w[f'alpha_by_{MAIN}']:g} | {sd} | {acc(e)} | {acc(m)} | {acc(d)} | {sgn(gain(m, e))} | {sgn(gain(d, m))} | "
                 + ' / '.join(f"{w['paper'][k]:.1f}" for k in METHODS) + ' |')
    L += ['', f"Means over the seeds listed; differences are taken seed by seed over the seeds both cells ran. {summary_line(rows)}"]
    other = [f"on {where(w)}, α {w[f'alpha_by_{OTHER}']:g}, with MFW at {acc(cell(w, 'mfw', OTHER))}% (seeds {seeds(cell(w, 'mfw', OTHER))}; "
             f"{sgn(gain(cell(w, 'mfw', OTHER), w['erm']))} over ERM) and MFW + DRW at {acc(cell(w, 'mfw-drw', OTHER))}% (seeds {seeds(cell(w, 'mfw-drw', OTHER))})"
             for w in rows if w[f'alpha_by_{OTHER}'] != w[f'alpha_by_{MAIN}']]
    if other: L.append(f"The held-out accuracy (the paper's rule) chose another α in {n(len(other))} of the {n(len(rows))} settings: {'; '.join(other)}.")
    spread = [f"{where(w)} {', '.join(map(sgn, per_seed(cell(w, 'mfw'), w['erm'])))} (sd {statistics.stdev(per_seed(cell(w, 'mfw'), w['erm'])):.1f})"
              for w in rows if len(per_seed(cell(w, 'mfw'), w['erm'])) > 1]
    if spread: L.append(f"Seed to seed, MFW − ERM moves: {'; '.join(spread)}, the yardstick for the single-seed settings.")
    return '\n'.join(L[:2 + len(rows)] + ['', ' '.join(L[2 + len(rows) + 1:])])

def results_halves(R):
    rows = R['table']['settings']
    L = ['| setting | five smallest classes: ERM / MFW / MFW + DRW % | five largest classes: ERM / MFW / MFW + DRW % |', '|---|---|---|']
    h = {key(w): [halves(cell(w, m)['per_class']) for m in METHODS] for w in rows}
    L += [f"| {where(w)} | " + ' / '.join(pc(x[1]) for x in h[key(w)]) + ' | ' + ' / '.join(pc(x[0]) for x in h[key(w)]) + ' |' for w in rows]
    up = max(rows, key=lambda w: h[key(w)][1][1] - h[key(w)][0][1])
    (emaj, emin), (mmaj, mmin), _ = h[key(up)]
    return '\n'.join(L) + (f"\n\nThe largest shift is on {where(up)}: MFW lifts the five smallest classes from {pc(emin)}% to {pc(mmin)}% "
                           f"and lowers the five largest from {pc(emaj)}% to {pc(mmaj)}%.")

def stability(R, crit): return 100*statistics.mean(t['by_criterion'][crit]['stability'] for t in R['tune'].values())

def results_protocol(R):
    chk, t, drw = R['table']['alpha_check_test_accuracy']['exp100'], R['tune']['exp100']['by_criterion'], R['drw']
    on, off = (drw[f"MFW (α 5) + DRW from 80%, MFW {w} when re-weighting"][0] for w in ('kept on', 'off'))
    return (f"α was never chosen on the test set, and every accuracy above is the last epoch's, "
        "never the best epoch's (much long-tailed code reports the best test epoch, which is a choice made on the test set). "
        "Two choices of the protocol were each adopted after seeing one test-set result. *The tuner's default rule, the held-out "
        f"loss*: on long-tailed ρ = 100 the held-out accuracy chose α {t[OTHER]['alpha']:g} and the held-out loss α {t[MAIN]['alpha']:g}; "
        "the alpha-check (`python bench/reproduce.py alpha-check`: every candidate trained on the whole training set and tested, "
        f"seed 0) gave {', '.join(f'{pc(v)}%' for v in chk.values())} for α {', '.join(chk)}, and `mfw-tune`'s default changed from the "
        f"accuracy to the loss after it was seen. The held-out case for the change: over the {n(len(R['tune']))} tunings, "
        f"the loss's choice survived {stability(R, MAIN):.0f}% of bootstrap resamples of the held-out images on average, the accuracy's "
        f"{stability(R, OTHER):.0f}%. *MFW off while DRW re-weights*: the drw-study on step ρ = 100 (seed 0) gave MFW + DRW "
        f"{on:.1f}% with MFW kept on in the re-weighted epochs and {off:.1f}% with it off, and the table trains it off since. So the "
        "seed-0 runs of those two settings are not independent evidence for those two choices; the other seeds and settings "
        "are, and so are the alpha-checks on long-tailed ρ = 200 and ρ = 10, made afterwards to test the rule:")

def results_alpha_check(R):
    L = ['| setting | test accuracy % at α ' + ' / '.join(R['table']['alpha_check_test_accuracy']['exp100']) + ' | held-out loss chose | '
         'held-out accuracy chose |', '|---|---|---|---|']
    for k, chk in R['table']['alpha_check_test_accuracy'].items():
        w = next(w for w in R['table']['settings'] if key(w) == k)
        best, by = max(chk.values()), R['tune'][k]['by_criterion']
        c = lambda crit: f"α {ak(by[crit]['alpha'])} ({pc(best - chk[ak(by[crit]['alpha'])])} points below the best)"
        L.append(f"| {where(w)} | {' / '.join(pc(v) for v in chk.values())} | {c(MAIN)} | {c(OTHER)} |")
    return '\n'.join(L)

def results_rho10(R):
    w = next(w for w in R['table']['settings'] if key(w) == 'exp10')
    e, m, chk = w['erm'], cell(w, 'mfw'), R['table']['alpha_check_test_accuracy']['exp10']
    best, d, a = max(chk, key=chk.get), per_seed(m, e), w[f'alpha_by_{MAIN}']
    L = [f"On long-tailed ρ = 10, over {n(len(d))} seeds, MFW is level with ERM ({acc(m)}% against {acc(e)}%; "
         f"MFW − ERM per seed {', '.join(map(sgn, d))}, sd {statistics.stdev(d):.1f}). No α of the grid gains clearly there: in the "
         f"alpha-check the best candidate, α {best} ({pc(chk[best])}%), is {pc(chk[best] - e['per_seed']['0'])} points above ERM with the "
         f"same seed ({pc(e['per_seed']['0'])}%), and the tuner's α {ak(a)} is {pc(chk[best] - chk[ak(a)])} "
         "points below it. The reason at this schedule lies in the training set (`python bench/fit_gap.py`, one seed per setting, "
         "training accuracy on the classes' own images without augmentation): MFW equalises the classes' training progress, and "
         "after 30 epochs ERM on long-tailed ρ = 10 fits its five smallest classes nearly as well as its five largest, which leaves "
         "MFW little to equalise. The further apart ERM's halves, the larger MFW's gain:", '',
         '| setting | ERM training accuracy, five largest / five smallest % | apart (points) | ERM feature deviation, largest / smallest five | MFW − ERM (same seed) |',
         '|---|---|---|---|---|']
    for s, (er, mr) in R['fit_gap']['settings'].items():
        (a, b), (da, db) = halves(er['train_acc']), halves(er['deviation'])
        L.append(f"| {s} | {pc(a)} / {pc(b)} | {100*(a - b):.1f} | {da:.3f} / {db:.3f} | {sgn(100*(statistics.mean(mr['test_acc']) - statistics.mean(er['test_acc'])))} |")
    return '\n'.join(L + ['', f"The paper's gain at long-tailed ρ = 10 ({sgn(w['paper']['mfw'] - w['paper']['erm'])} points) comes after 300 "
        "epochs, when the minor classes have been fitted and over-fitted (its Figure 7 has the feature deviation growing along the "
        f"epochs). {n(len(R['fit_gap']['settings'])).capitalize()} settings, one seed each: a consistent pattern, not a proof that a longer schedule brings the gain back."])

def results_drw(R):
    d = R['drw']
    (on, off), erm = (d[f"MFW (α 5) + DRW from 80%, MFW {w} when re-weighting"] for w in ('kept on', 'off')), d['ERM + DRW from 80%']
    return R['drw_md'] + (f"\n\nKept on while the loss is re-weighted, MFW collapses the five largest classes ({on[1]:.1f}%) while the "
        f"smallest gain ({on[2]:.1f}%); switched off, MFW + DRW reaches {off[0]:.1f}%. ERM + DRW reaches {erm[0]:.1f}% on the same "
        "setting, so how much of MFW + DRW's accuracy is DRW's rather than MFW's this study cannot say.")

# the paper's recipe (ResNet-32, 300 epochs), from bench/paper_recipe.py
DATASETS = {'cifar10': 'CIFAR-10', 'cifar100': 'CIFAR-100'}

def paper_cell(r): return pc(r['accuracy']) if r['state'] == 'finished' else f"{r['epochs_done']} of {r['n_epoch']} epochs"

def results_paper(R):
    runs = R['paper']['runs']
    by = {(r['dataset'], r['method']): r for r in runs if r['seed'] == 0}
    L = ['| long-tailed ρ = 100 | α | ERM % | MFW % | MFW + DRW % | paper: ERM / MFW / MFW + DRW % |', '|---|---|---|---|---|---|']
    for ds, name in DATASETS.items():
        L.append(f"| {name} | {by[(ds, 'mfw')]['alpha']:g} | " + ' | '.join(paper_cell(by[(ds, m)]) for m in METHODS) + ' | '
                 + ' / '.join(f"{by[(ds, m)]['paper']:.1f}" for m in METHODS) + ' |')
    done = [r for r in runs if r['state'] == 'finished']
    cpu = sorted({r['machine']['cpu'] for r in runs if r.get('machine', {}).get('cpu')}) # runs recorded by 0.1.0 lack the model
    L += ['', f"Seed 0, the final epoch on the whole test set (10,000 images), fp32, one thread per training on a CPU"
          + (f" ({', '.join(cpu)})" if cpu else '') + "; α is the paper's Table 6 value for the setting (not tuned here), β = 2, MFW after group 2, MFW + DRW "
          "re-weighting from epoch 240 with MFW off then. "
          + ''.join(f"{DATASETS[r['dataset']]}'s {LABEL[r['method']]} run started from the {LABEL[r['started_from']['method']]} run's checkpoint after "
                    f"epoch {r['started_from']['epochs_done']} (`mfw-train --start-from`: the same training until it re-weights, bit for bit, as tested; its first "
                    f"{r['started_from']['epochs_done']} epochs were not trained twice). " for r in runs if r['seed'] == 0 and r.get('started_from'))
          + ((f"{n(len(done)).capitalize()} of the {n(len(runs))} trainings {'has' if len(done) == 1 else 'have'} finished; " if done else
              f"None of the {n(len(runs))} trainings has finished yet; ") if len(done) < len(runs) else f"All {n(len(runs))} trainings have finished. ")
          + ("a cell with epochs gives how far its training had got when this page was made: the rest continues from the resume "
             "point in `bench/results/resume/` with `bash bench/paper_queue.sh` (the whole queue: seed 0 of both rows with the diagnostic below between them, then seeds 1 and 2 of CIFAR-10), on any machine."
             if len(done) < len(runs) else "")]
    for ds, name in DATASETS.items():
        e, m, d = (by[(ds, k)] for k in METHODS)
        if all(r['state'] == 'finished' for r in (e, m, d)):
            a = {k: float(pc(r['accuracy'])) for k, r in zip(METHODS, (e, m, d))} # as the table shows them: its differences add up
            gap = {k: a[k] - r['paper'] for k, r in zip(METHODS, (e, m, d))}
            L[-1] += (f" On {name}, MFW − ERM is {sgn(a['mfw'] - a['erm'])} points (the paper: {sgn(m['paper'] - e['paper'])}) "
                      f"and MFW + DRW − MFW {sgn(a['mfw-drw'] - a['mfw'])} (the paper: {sgn(d['paper'] - m['paper'])}); against the "
                      f"paper's own numbers, ERM is {sgn(gap['erm'])}, MFW {sgn(gap['mfw'])} and MFW + DRW {sgn(gap['mfw-drw'])} points.")
    return '\n'.join(L)

QUEUED_AT = 250 # the MFW run's epochs when the paper-weights diagnostic was queued (its test accuracy seen up to there)

def results_paper_gap(R):
    "Where the paper-recipe runs may part from the paper's numbers: what was checked, what the paper leaves open, the diagnostic"
    from mfw_fastai.callback.mfw import mfw_weights # the library's own s(N_c): the quantity in question
    rs = {r['method']: r for r in R['paper']['runs'] if r['dataset'] == 'cifar10' and r['seed'] == 0}
    m = rs['mfw']
    L = ["**Where our numbers may part from the paper's.**"]
    if R['recipe_check']:
        f, text = R['recipe_check']
        k, of = map(int, re.search(r'(\d+) of (\d+) parts as the recipe says', text).groups())
        L.append(f"The recipe: {n(k)} of its {n(of)} parts checked as the paper states them (`bench/recipe_check.py`, "
                 f"`bench/results/{f}`: class counts, augmentation, weight decay, schedule, and the loop against plain PyTorch).")
    if m.get('class_counts'):
        s2, s01 = (mfw_weights(m['class_counts'], beta=b).tolist() for b in (2., 0.01))
        sg = mfw_weights(m['class_counts'], beta=2., spread='geometric').tolist()
        L.append(f"MFW's class weights, which the paper states two ways: its Eq. 12 at β = 2, its value for long-tailed data and ours, gives "
                 f"this setting's classes s from {s2[0]:.2f} (the largest) to {s2[-1]:.2f} (the smallest), while its §3.4 says s(N₁) ≈ 0.5 and "
                 f"s(N₁₀) ≈ 0 for the same setting (and its §3.5 and §5.2 that minor classes are not mixed); the same equation gives {s01[0]:.2f} to {s01[-1]:.2f} at β = 0.01, its value for step data, "
                 f"and {sg[0]:.2f} to {sg[-1]:.2f} at β = 2 if its γ, \"the standard deviation\" beside \"the geometric mean\", is read as the "
                 "geometric standard deviation of the class sizes (`spread='geometric'`): a reading under which the paper's equation and its text agree (the MFW callback's page weighs the two readings).")
    seen = [a for e, a in m.get('test_acc', []) if e <= QUEUED_AT] # MFW's test accuracy as it stood when the diagnostic was queued
    for d in R['paper'].get('diagnostics', []):
        t = (f"A diagnostic training, MFW at β = {d['beta']:g} (those weights) with everything else the same (`python bench/reproduce.py paper-weights`), "
             f"was queued when MFW at β = 2 had trained {QUEUED_AT} epochs" + (f", its test accuracy at every evaluation so far at most "
             f"{pc(max(seen))}% against the paper's final {m['paper']:.1f}%" if seen else '') + ": chosen after seeing test results, it "
             "is a diagnostic, not MFW's number, and never a row of the table. ")
        if d['state'] == 'finished':
            t += f"It finished at {pc(d['accuracy'])}%" + (f" (MFW at β = 2: {pc(m['accuracy'])}%)." if m['state'] == 'finished' else '.')
        else: t += f"It has trained {d['epochs_done']} of its {d['n_epoch']} epochs." if d['epochs_done'] else "It has not started yet."
        L.append(t)
    fin = [r for r in rs.values() if r['state'] == 'finished' and r.get('test_acc')]
    if fin:
        best = {LABEL[r['method']]: max((a, -e) for e, a in r['test_acc']) for r in fin}
        L.append("How the paper reports: LDAM-DRW's training script, which the paper says it adapted, evaluates the test set after every "
                 "epoch and logs the best accuracy so far; the paper does not say whether its tables give that or the last epoch's. Ours "
                 "are the last epoch's; the best of our evaluations every 10 epochs is "
                 + ', '.join(f"{pc(a)}% for {k} (epoch {-e})" for k, (a, e) in best.items()) + '.')
    return ' '.join(L)

def results_paper_fig(R, ds):
    "What the figure of data set `ds`'s paper-recipe runs shows (bench/paper_recipe.py's `figure`), from the same records"
    rs = {r['method']: r for r in R['paper']['runs'] if r['dataset'] == ds and r['seed'] == 0}
    name = DATASETS[ds]
    if not plottable(rs):
        going = [f"{LABEL[k]} {r['epochs_done']} of {r['n_epoch']} epochs" for k, r in rs.items() if r.get('epochs_done')]
        return (f"The {name} trainings have begun ({', '.join(going)}): their figure comes once there is something to draw, two "
                "measurements (epoch 10)." if going else f"The {name} trainings have not started yet: their figure comes with them.")
    ref = next(r for r in rs.values() if r.get('vocab'))
    big, small = (f"{ref['vocab'][i]}, {ref['class_counts'][i]:,} training images" for i in (0, -1))
    e, m = rs['erm'], rs['mfw']
    L = [f"Left: the feature deviation (the paper's §5.4 and Fig. 9: how far the mean training feature of a class lies from "
         f"its mean test feature) of the largest class ({big}) and the smallest ({small}), measured every 5 epochs on at "
         f"most 300 training and 100 test images per class"]
    def latest(key, what, fmt):
        "what the runs that have measured `key` show at the last epoch they all have: ERM and MFW, or the one that has"
        have = [(k, r[key]) for k, r in (('erm', e), ('mfw', m)) if r.get(key)]
        if not have: return None
        common = sorted(set.intersection(*({p for p, _ in v} for _, v in have)))
        if not common: return None
        z = common[-1]
        vals = [(LABEL[k], at(v, z)) for k, v in have]
        if len(vals) == 1: return f"at epoch {z} of {e['n_epoch']}, the last {vals[0][0]} has measured, the smallest class's {what} is {fmt(vals[0][1][-1])}, the largest's {fmt(vals[0][1][0])}"
        return (f"at epoch {z} of {e['n_epoch']}, the last both runs have measured, the smallest class's {what} is "
                f"{fmt(vals[0][1][-1])} under ERM and {fmt(vals[1][1][-1])} under MFW, the largest's {fmt(vals[0][1][0])} and {fmt(vals[1][1][0])}")
    dev = latest('deviation', 'deviation', lambda v: f"{v:.3f}")
    L[-1] += f"; {dev}." if dev else '.'
    tr = {k: r.get('train_acc_per_class') or [] for k, r in (('erm', e), ('mfw', m))}
    if any(tr.values()):
        first = {k: v[0][0] for k, v in tr.items() if v}
        late = {k: f for k, f in first.items() if f > 5}
        s = (f"Middle: the same two classes' accuracy on those training images (without augmentation and without MFW, as the "
             f"paper's Fig. 3 measures it)")
        if late: s += (", recorded from epoch " + ' and '.join(f"{f} ({LABEL[k]})" for k, f in late.items())
                       + " on (the runs had started before this measurement existed)")
        acc = latest('train_acc_per_class', 'accuracy', lambda v: f"{pc(v)}%")
        s += f"; {acc}." if acc else '.'
        n = ref['class_counts'][-1]
        if n <= 20: s += f" With {n} training images, the smallest class's training accuracy moves in steps of {100 / n:g} points."
        L.append(s)
    else:
        L.append("Middle: the two classes' training accuracy, measured with the deviation; no run has recorded it yet.")
    if all_finished(rs):
        accs = {k: r['per_class_accuracy'] for k, r in rs.items()}
        L.append("Right: the test accuracy of each class after the last epoch, the largest class first"
                 + ('' if len(class_groups(len(ref['vocab']))) == len(ref['vocab']) else ' (means over ten groups of classes by size)') + "; the smallest class: "
                 + ', '.join(f"{pc(accs[k][-1])}% under {LABEL[k]}" for k in METHODS) + '.')
    else:
        L.append("Right: the accuracy on the whole test set every 10 epochs so far"
                 + ''.join(f"; {LABEL[k]}'s line begins at epoch {r['started_from']['epochs_done']}, where it started from the "
                           f"{LABEL[r['started_from']['method']]} run's checkpoint (its epochs before are that run's)" for k, r in rs.items() if r.get('started_from'))
                 + ''.join(f"; {LABEL[k]}'s latest, {pc(r['test_acc'][-1][1])}% at epoch {r['test_acc'][-1][0]}" for k, r in rs.items()
                           if r.get('test_acc') and r['state'] != 'finished')
                 + ". It is a view of the training, not a result: the result is the last epoch's, in the table above.")
    return ' '.join(L)


BLOCKS = {'summary': readme_summary, 'quick': readme_quick, 'results': readme_results, 'notebooks': readme_notebooks, 'table': results_table, 'halves': results_halves,
          'protocol': results_protocol, 'paper': results_paper, 'alpha_check': results_alpha_check, 'rho10': results_rho10, 'drw': results_drw,
          'paper_gap': results_paper_gap, 'paper_fig_cifar10': lambda R: results_paper_fig(R, 'cifar10'), 'paper_fig_cifar100': lambda R: results_paper_fig(R, 'cifar100')}

def md(name, path=RESULTS):
    "The Markdown of block `name`, from the results saved under `path`"
    if name not in BLOCKS: raise KeyError(f"No block {name!r} in bench/render.py: one of {', '.join(BLOCKS)}")
    return BLOCKS[name](load(path))

_re_block = re.compile(r'(<!-- (\w+):start -->\n)(.*?)(<!-- \2:end -->)', re.S)

def fill(text, path=RESULTS):
    "`text` with every marked block replaced by its rendering"
    return _re_block.sub(lambda m: m[1] + md(m[2], path) + '\n' + m[4], text)

def write_readme(root=ROOT, path=RESULTS):
    "Fill the blocks of nbs/index.ipynb's Markdown, then write README.md as that Markdown (tests/test_readme.py)"
    f = Path(root)/'nbs'/'index.ipynb'; nb = json.loads(f.read_text())
    for c in nb['cells']:
        if c['cell_type'] == 'markdown': c['source'] = fill(''.join(c['source']), path).splitlines(keepends=True)
    f.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    (Path(root)/'README.md').write_text('\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown').strip() + '\n')

if __name__ == '__main__':
    write_readme()
    print(f"README.md and nbs/index.ipynb: {len(_re_block.findall((ROOT/'README.md').read_text()))} blocks rendered from {RESULTS}", file=sys.stderr)
