"""The documentation site: every module's `Docs:` link names a page the build makes, the link checker catches what it
should, and the built site (_docs/, from `bash .ci/docs`) has no broken link. Tests that need the site are skipped
when it is not built."""
import ast, html, json, re, sys
from pathlib import Path

import pytest

root = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(root/'docs'))
import build, check_links  # docs/build.py, docs/check_links.py

SITE = root/'_docs'
needs_site = pytest.mark.skipif(not (SITE/'index.html').is_file(), reason="site not built (bash .ci/docs)")


def docs_links():
    "{module file: the URL after `Docs:` in its docstring}, for every module of the package"
    res = {}
    for f in sorted((root/'mfw_fastai').rglob('*.py')):
        doc = ast.get_docstring(ast.parse(f.read_text())) or ''
        lines = [l for l in doc.splitlines() if l.startswith('Docs:')]
        res[str(f.relative_to(root))] = lines[-1][len('Docs:'):].strip() if lines else None
    return res


def test_every_module_links_its_page():
    base, links = build.doc_url(), docs_links()
    assert base.startswith('https://') and len(links) > 15
    exempt = {'mfw_fastai/__init__.py', 'mfw_fastai/_modidx.py', 'mfw_fastai/callback/__init__.py'}
    missing = [f for f, u in links.items() if u is None and f not in exempt]
    assert not missing, f"modules without a Docs: link: {missing}"
    wrong = {f: u for f, u in links.items() if u is not None and not (u.startswith(base) and u.endswith('.html.md'))}
    assert not wrong, f"Docs: links outside {base}*.html.md: {wrong}"


@needs_site
def test_docs_links_name_built_pages():
    base = build.doc_url()
    for f, u in docs_links().items():
        if u is None: continue
        page = u[len(base):]
        assert (SITE/page).is_file(), f"{f}: Docs: {u} -> no {page} in {SITE}"
        assert (SITE/page[:-len('.md')]).is_file(), f"{f}: no HTML page {page[:-3]} in {SITE}"
        assert (SITE/page).read_text().startswith('# '), f"{page} does not start with the page's title"


@needs_site
def test_site_links_resolve():
    assert check_links.check(SITE) == []


@needs_site
def test_site_has_api_math_and_figures():
    mfw = (SITE/'callback.mfw.html').read_text()
    text = html.unescape(re.sub(r'<[^>]+>', '', mfw))
    assert 'id="mfw"' in mfw and 'alpha:float=1.0, # Beta(α, α) coefficient' in text  # show_doc: signature and docments
    assert 'class="math' in mfw and '_static/mathjax/tex-chtml.js' in mfw and (SITE/'_static/mathjax/tex-chtml.js').is_file()
    assert any(SITE.glob('_images/*.png'))
    assert (SITE/'searchindex.js').is_file() and (SITE/'search.html').is_file()


@needs_site
def test_site_shows_no_progress_bars_or_warnings():
    """Readers see the saved outputs plus what nbdev printed while it ran a notebook's import cells to render its page
    (`_proc/`, what the site is built from): held to the same checker as the saved outputs (tests/test_notebooks.py)"""
    sys.path.insert(0, str(root/'tools'))
    from run_nb import bad_outputs
    noise = {f.name: b for f in sorted((root/'_proc').glob('*.ipynb')) for b in [bad_outputs(json.loads(f.read_text()))] if b}
    assert not noise, f"rendered pages with progress-bar, warning or error output (wrap the fit/predict in learn.no_bar()): {noise}"


def test_public_callbacks_document_their_own_signature():
    "A callback without its own `__init__` shows fastai's: every event as a keyword, which says nothing about it"
    import importlib, inspect, pkgutil
    import mfw_fastai
    from fastai.callback.core import Callback
    found, bad = [], []
    for m in pkgutil.walk_packages(mfw_fastai.__path__, 'mfw_fastai.'):
        mod = importlib.import_module(m.name)
        for name in getattr(mod, '__all__', []):
            c = getattr(mod, name)
            if inspect.isclass(c) and issubclass(c, Callback) and c.__module__ == mod.__name__:
                found.append(name)
                if 'after_create' in str(inspect.signature(c)): bad.append(name)
    assert {'MFW', 'DRW', 'Throughput', 'RestoreHistory', 'SyncBuffers'} <= set(found)
    assert not bad, f"callbacks documented with fastai's generic signature (give them an __init__): {bad}"


def write_site(d, pages):
    for name, html in pages.items():
        (d/name).parent.mkdir(parents=True, exist_ok=True); (d/name).write_text(html)
    return d


def test_link_checker(tmp_path):
    ok = write_site(tmp_path/'ok', {
        'index.html': '<a href="a.html#x">a</a> <a href="sub/">sub</a> <img src="img/f.png"> <a href="#top" id="top">t</a>'
                      '<a href="https://docs.fast.ai/">fastai</a> <link rel="next" href="https://example.org/n.html">',
        'a.html': '<h2 id="x">x</h2> <a href="index.html">home</a> <script src="_static/s.js?v=1"></script>',
        'sub/index.html': '<a href="../a.html">up</a>', 'img/f.png': 'png', '_static/s.js': ''})
    assert check_links.check(ok) == []
    bad = write_site(tmp_path/'bad', {
        'index.html': '<a href="a.html#nope">1</a> <a href="gone.html">2</a> <a href="#nowhere">3</a>\n'
                      '<script src="https://cdn.example.org/mathjax.js"></script> <img src="missing.png">'
                      '<link rel="stylesheet" href="//fonts.example.org/x.css"> <a href="../../etc/passwd">4</a>',
        'a.html': '<h2 id="x">x</h2> <span id="x"></span>'})
    errs = check_links.check(bad)
    for what in ["no id 'nope' in a.html", 'no such file gone.html', "no id 'nowhere' on this page",
                 'mathjax.js">: loaded from another host', 'no such file missing.png', 'x.css">: loaded from another host',
                 'points outside the site', "a.html:1: id 'x' is used twice"]:
        assert any(what in e for e in errs), (what, errs)
    assert len(errs) == 8, errs
    assert 'no index.html' in check_links.check(tmp_path/'empty')[0]


def test_build_conversions():
    base = 'https://mfw-fastai.github.io/mfw_fastai/'
    assert build.relink(f'[`MFW`]({base}callback.mfw.html#mfw) and [home]({base})', base) == \
        '[`MFW`](callback.mfw.html#mfw) and [home](index.html)'
    assert build.relink('[source](https://github.com/x.py#L3){target="_blank" style="float:right"}', base) == \
        '[source](https://github.com/x.py#L3){.source-link}'
    assert build.relink('[results](results.ipynb), [MFW](02_callback.mfw.ipynb#the-method), [nb](https://x.org/a.ipynb)', base) == \
        '[results](results.html), [MFW](callback.mfw.html#the-method), [nb](https://x.org/a.ipynb)'  # notebooks -> their pages
    assert build.anchor('`Learner.fit_warmup_cosine`') == 'learner.fit_warmup_cosine'
    assert build.anchor('The τ-normalisation, step 2!') == 'the-τ-normalisation-step-2'
    assert build.show_doc_md('---\n\n### MFW\n\ntext') == '### MFW\n\ntext'
    assert build.directives('#| echo: false\n#| output: asis\nshow_doc(f)') == ({'echo': 'false', 'output': 'asis'}, 'show_doc(f)')
    assert build.page_name(Path('02_callback.mfw.ipynb'), {}) == 'callback.mfw'
    assert build.page_name(Path('x.ipynb'), {'output-file': 'tutorial.imbalance.html'}) == 'tutorial.imbalance'
    order = build.course_order([Path(p) for p in ('tutorial.a.ipynb', '10_cli.ipynb', 'index.ipynb', '01_models.ipynb', '08a_losses.ipynb')])
    assert [p.name for p in order] == ['index.ipynb', '01_models.ipynb', '08a_losses.ipynb', '10_cli.ipynb', 'tutorial.a.ipynb']


def test_build_converts_a_processed_notebook():
    "A notebook as nbdev-proc-nbs leaves it: front matter, a hidden show_doc cell, a figure; what the site gets"
    base = 'https://mfw-fastai.github.io/mfw_fastai/'
    nb = {'cells': [
        {'cell_type': 'raw', 'id': 'a', 'metadata': {}, 'source': '---\ntitle: Losses\ndescription: Some `losses`.\noutput-file: losses.html\n---\n'},
        {'cell_type': 'markdown', 'id': 'b', 'metadata': {}, 'source': f'See [`MFW`]({base}callback.mfw.html#mfw).'},
        {'cell_type': 'code', 'id': 'c', 'metadata': {}, 'execution_count': 1, 'source': '#| echo: false\n#| output: asis\nshow_doc(FocalLoss)',
         'outputs': [{'output_type': 'execute_result', 'execution_count': 1, 'metadata': {},
                      'data': {'text/markdown': '---\n\n### FocalLoss\n\n```python\ndef FocalLoss(gamma:float=1.0, # Focusing exponent\n)\n```', 'text/plain': 'x'}}]},
        {'cell_type': 'code', 'id': 'd', 'metadata': {}, 'execution_count': 2, 'source': '#| include: false\nimport secret', 'outputs': []},
        {'cell_type': 'code', 'id': 'e', 'metadata': {}, 'execution_count': 3, 'source': '#| echo: false\nplot()',
         'outputs': [{'output_type': 'display_data', 'metadata': {}, 'data': {'image/png': 'iVBORw0KGgo=', 'text/plain': 'fig'}}]}],
        'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    cells = build.convert(nb, base)
    src = lambda c: ''.join(c['source'])
    assert [c['cell_type'] for c in cells] == ['markdown', 'markdown', 'markdown', 'code']
    assert src(cells[0]) == '# Losses\n\n{.description}\nSome `losses`.'
    assert src(cells[1]) == 'See [`MFW`](callback.mfw.html#mfw).'
    assert src(cells[2]).startswith('### FocalLoss') and 'Focusing exponent' in src(cells[2])
    assert cells[3]['metadata'] == {'tags': ['remove-input']} and src(cells[3]) == 'plot()'
    assert len({c['id'] for c in cells}) == len(cells)
