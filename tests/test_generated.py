"""Numbers in prose are computed, never typed: the README's and the results page's numbers are what bench/render.py
makes of bench/results/ now (rerun `python bench/render.py` and `python tools/run_nb.py nbs/results.ipynb` after the
results change), and the renderer computes them right (checked on a small table worked out by hand)."""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(root/'bench'))
import render  # bench/render.py

NB = root/'nbs'/'results.ipynb'
_re_call = re.compile(r"^Markdown\(md\('(\w+)'\)\)$", re.M)


def page_blocks(nb):
    "{block name: its saved Markdown} of the results page's generated cells"
    return {m[1]: ''.join(o['data']['text/markdown']) for c in nb['cells'] if c['cell_type'] == 'code'
            for m in [_re_call.search(''.join(c['source']))] if m for o in c['outputs'] if 'text/markdown' in o.get('data', {})}


def test_readme_numbers_are_generated():
    blocks = {m[2]: m[3] for m in render._re_block.finditer((root/'README.md').read_text())}
    assert set(blocks) == {'summary', 'quick', 'results', 'notebooks'}
    assert not any(re.search(r'\{[^}]*\}', v) for v in blocks.values()), "placeholders left in the README's generated text"
    stale = [k for k, v in blocks.items() if v.rstrip('\n') != render.md(k)]
    assert not stale, f"README.md: the blocks {stale} differ from what bench/render.py makes of bench/results/ (run python bench/render.py)"


def test_results_page_numbers_are_generated():
    nb = json.loads(NB.read_text())
    calls = [m[1] for c in nb['cells'] if c['cell_type'] == 'code' for m in _re_call.finditer(''.join(c['source']))]
    saved = page_blocks(nb)
    assert set(calls) == set(saved) == {'table', 'halves', 'protocol', 'alpha_check', 'rho10', 'drw', 'paper', 'paper_fig_cifar10', 'paper_fig_cifar100', 'paper_gap'}, (calls, list(saved))
    unfilled = {k: re.findall(r'\{[^}]*\}', v) for k, v in saved.items() if re.search(r'\{[^}]*\}', v)}
    assert not unfilled, f"placeholders left in the text (a string without its f prefix?): {unfilled}"
    stale = [k for k, v in saved.items() if v != render.md(k)]
    assert not stale, f"{NB.name}: the saved text of {stale} differs from bench/render.py's (run python tools/run_nb.py {NB.relative_to(root)})"


def test_typed_prose_quotes_no_result():
    "Outside the generated parts, neither page types a percentage or a signed difference"
    readme = render._re_block.sub('', (root/'README.md').read_text())
    page = '\n'.join(''.join(c['source']) for c in json.loads(NB.read_text())['cells'] if c['cell_type'] == 'markdown')
    for name, text in (('README.md', readme), (NB.name, page)):
        typed = re.findall(r'[\d.]+ ?%|[+−]\d+(?:\.\d+)?\b', text)
        assert not typed, f"{name}: numbers typed into the prose: {typed}"


def _cell(per_seed, per_class=None):
    return {'accuracy': sum(per_seed.values())/len(per_seed), 'per_seed': per_seed, 'per_class': per_class or [0.5]*10}


def _hand_made():
    "Two settings: long-tailed rho = 100 with two seeds (MFW + DRW one) and two choice rules, step rho = 10 with one"
    a = {'kind': 'exp', 'rho': 100, 'alpha_by_loss': 5.0, 'alpha_by_accuracy': 1.0, 'paper': {'erm': 71.1, 'mfw': 78.5, 'mfw-drw': 79.8},
         'erm': _cell({'0': .60, '1': .62}, [1.]*5 + [.2]*5), 'mfw_by_loss': _cell({'0': .70, '1': .66}, [.8]*5 + [.56]*5),
         'mfw-drw_by_loss': _cell({'0': .71}, [.8]*5 + [.62]*5), 'mfw_by_accuracy': _cell({'0': .61, '1': .63}), 'mfw-drw_by_accuracy': _cell({'0': .64})}
    b = {'kind': 'step', 'rho': 10, 'alpha_by_loss': 0.5, 'alpha_by_accuracy': 0.5, 'paper': {'erm': 85.1, 'mfw': 89.6, 'mfw-drw': 89.9},
         'erm': _cell({'0': .80}, [.9]*5 + [.7]*5), 'mfw_by_loss': _cell({'0': .79}, [.8]*5 + [.78]*5), 'mfw-drw_by_loss': _cell({'0': .83}, [.86]*5 + [.8]*5)}
    b['mfw_by_accuracy'], b['mfw-drw_by_accuracy'] = b['mfw_by_loss'], b['mfw-drw_by_loss']
    return {'table': {'settings': [a, b]}}


def test_render_on_a_hand_made_table():
    R = _hand_made()
    # long-tailed: ERM (60 + 62)/2 = 61.0, MFW (70 + 66)/2 = 68.0, MFW + DRW 71.0 (seed 0 only); MFW − ERM per seed +10, +4:
    # mean +7.0, sd sqrt(((10-7)² + (4-7)²)/1) = 4.24; MFW + DRW − MFW over seed 0 only: 71 − 70 = +1.0.
    # step: MFW − ERM 79 − 80 = −1.0, MFW + DRW − MFW 83 − 79 = +4.0. Over both: MFW − ERM (7 − 1)/2 = +3.0.
    readme = render.readme_results(R).splitlines()
    assert readme[2] == '| long-tailed ρ = 100 | 5 | 61.0 | 68.0 | 71.0 | 71.1 / 78.5 / 79.8 |'
    assert readme[3] == '| step ρ = 10 | 0.5 | 80.0 | 79.0 | 83.0 | 85.1 / 89.6 / 89.9 |'
    assert 'mean of seeds 0, 1 on long-tailed ρ = 100' not in readme[5]  # MFW + DRW ran one seed there
    assert 'for ERM and MFW on long-tailed ρ = 100; seed 0 elsewhere' in readme[5]
    assert ('MFW − ERM is +3.0 points on average over the two settings, positive in one (step ρ = 10: −1.0); '
            'MFW + DRW − MFW is +1.0 to +4.0.') in readme[5]
    table = render.results_table(R).splitlines()
    assert table[2] == '| long-tailed ρ = 100 | 5 | 0, 1 (MFW + DRW: 0) | 61.0 | 68.0 | 71.0 | +7.0 | +1.0 | 71.1 / 78.5 / 79.8 |'
    assert table[3] == '| step ρ = 10 | 0.5 | 0 | 80.0 | 79.0 | 83.0 | −1.0 | +4.0 | 85.1 / 89.6 / 89.9 |'
    # the other rule's alpha: MFW (61 + 63)/2 = 62.0, +1.0 over ERM seed by seed; MFW + DRW 64.0 at seed 0
    assert 'in one of the two settings: on long-tailed ρ = 100, α 1, with MFW at 62.0% (seeds 0, 1; +1.0 over ERM) and MFW + DRW at 64.0% (seeds 0)' in table[5]
    assert 'long-tailed ρ = 100 +10.0, +4.0 (sd 4.2)' in table[5] and 'step ρ = 10 −1.0' not in table[5]  # one seed: no spread
    assert render.readme_summary(R).startswith('**The evidence in one line**: on the two imbalanced CIFAR-10 settings')
    assert 'MFW is +3.0 points above plain training (ERM) on average, from −1.0 to +7.0, and MFW + DRW +1.0 to +4.0 above MFW' in render.readme_summary(R)
    # halves: smallest five ERM 20.0 / MFW 56.0 / MFW + DRW 62.0, largest 100.0 / 80.0 / 80.0; the largest shift is there (+36 against +8)
    halves = render.results_halves(R).splitlines()
    assert halves[2] == '| long-tailed ρ = 100 | 20.0 / 56.0 / 62.0 | 100.0 / 80.0 / 80.0 |'
    assert 'on long-tailed ρ = 100: MFW lifts the five smallest classes from 20.0% to 56.0% and lowers the five largest from 100.0% to 80.0%.' in halves[-1]


def test_quick_and_drw_parse_their_files():
    q = "# python -m mfw_fastai --quick   (2-core CPU; wall time 7m30.0s)\nERM: accuracy 39.6%, minor classes 0.0%\nMFW: accuracy 40.6%, minor classes 13.7%\n"
    assert render.readme_quick({'quick': q}) == ('What to expect (measured on a 2-core CPU, 7.5 min for both trainings with seed 0): '
                                                  'ERM 39.6% test accuracy with its five minor classes at 0.0%, MFW 40.6% with them at 13.7%.')
    assert render.md_table('| a | b % | c |\n|---|---|---|\n| x y | 1.5 | 2 |\n| z | 3 | 4.25 |') == {'x y': [1.5, 2.], 'z': [3., 4.25]}
