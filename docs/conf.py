"Sphinx settings of the documentation site (built by docs/build.py from nbdev's processed notebooks)."
import importlib.util, shutil, sys, tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # build.py, for the heading ids

_root = Path(__file__).resolve().parents[1]
_proj = tomllib.loads((_root/'pyproject.toml').read_text())['project']

project = _proj['name']
author = _proj['authors'][0]['name']
copyright = f"{author}, {_proj.get('license', '')}".rstrip(', ')
html_title = project

extensions = ['myst_nb']
source_suffix = {'.ipynb': 'myst-nb', '.md': 'myst-nb'}
exclude_patterns = ['**.ipynb_checkpoints']

# The saved outputs are the pages: never execute (another engineer, or nbdev-test, runs the notebooks).
nb_execution_mode = 'off'
nb_render_markdown_format = 'myst'  # markdown outputs are parsed like markdown cells
nb_merge_streams = True
myst_enable_extensions = ['dollarmath', 'amsmath', 'attrs_inline', 'attrs_block', 'colon_fence']
# nbdev's links are plain relative URLs (`losses.html#focalloss`) to pages and ids this build makes; keep them as they
# are (the link check, docs/check_links.py, verifies every one) rather than resolving them as Sphinx references.
myst_all_links_external = True
# Heading ids as Quarto makes them (`learner.fit_warmup_cosine`, `focal-loss`), which nbdev's links use
myst_heading_slug_func = "build.anchor"  # (by name: a function cannot be cached)
myst_heading_anchors = 6
suppress_warnings = ['myst.header']  # show_doc's `###` headings may follow the page title directly

html_theme = 'furo'
html_static_path = [str(Path(__file__).parent/'_static')]
html_css_files = ['custom.css']
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None

# Math offline: MathJax 3 from the sphinx-mathjax-offline package, copied into _static/mathjax (the default would load
# it from a CDN). Only the files tex-chtml.js loads are copied: the component, its fonts and the TeX extensions.
mathjax_path = 'mathjax/tex-chtml.js'

def _copy_mathjax(app, exc):
    if exc is not None or app.builder.format != 'html': return
    spec = importlib.util.find_spec('sphinx-mathjax-offline')
    if spec is None: raise RuntimeError("sphinx-mathjax-offline is not installed: pip install -e '.[docs]'")
    src, dst = Path(spec.origin).parent/'static'/'mathjax', Path(app.outdir)/'_static'/'mathjax'
    dst.mkdir(parents=True, exist_ok=True); shutil.copy2(src/'tex-chtml.js', dst)
    for sub in ('output/chtml/fonts/woff-v2', 'input/tex/extensions', 'ui', 'a11y'):
        shutil.copytree(src/sub, dst/sub, dirs_exist_ok=True)

def setup(app): app.connect('build-finished', _copy_mathjax)
