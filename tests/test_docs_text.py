"""The pages a reader meets first: no heading twice on a page, no lab-log words, a README that is a front door (its
sections, every notebook listed in the site's order), and one version, the package's, that CHANGELOG.md releases."""
import json, re, sys, tomllib
from pathlib import Path

import pytest

root = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(root/'docs'))
import build  # docs/build.py: the site's page names and order

README = root/'README.md'
NOTEBOOKS = sorted((root/'nbs').glob('*.ipynb'))


def markdown(nb:Path)->str: return '\n\n'.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown')


def headings(md:str)->list:
    "A page's headings as a reader tells them apart: without markup, case, and a trailing remark in parentheses"
    out, fence = [], False
    for line in md.splitlines():
        if line.lstrip().startswith('```'): fence = not fence
        elif not fence and (m := re.match(r'#{1,6}\s+(.*)', line)):
            out.append(re.sub(r'\s*\([^)]*\)$', '', re.sub(r'[`*_]', '', m[1])).strip().lower())
    return out


def twice(md:str)->list: return sorted({h for h in headings(md) if headings(md).count(h) > 1})


def test_headings_helper():
    md = "# A\n## The table (in progress)\n```\n# a comment in code\n```\n## The `table`\n### B\n## Bee\n"
    assert headings(md) == ['a', 'the table', 'the table', 'b', 'bee'] and twice(md) == ['the table']


@pytest.mark.parametrize('page', [README, *NOTEBOOKS], ids=lambda p: p.name)
def test_no_heading_twice(page):
    dup = twice(page.read_text() if page.suffix == '.md' else markdown(page))
    assert not dup, f"{page.relative_to(root)}: headings used twice: {dup}"


@pytest.mark.parametrize('page', [README, root/'nbs'/'results.ipynb'], ids=lambda p: p.name)
def test_no_lab_log_words(page):
    "What a reader cannot use: work not done yet, and internal goals"
    text = page.read_text()  # the whole file: prose, code and saved outputs
    found = re.findall(r'\b(pending|in progress|targets?)\b', text, re.I)
    assert not found, f"{page.relative_to(root)}: {sorted(set(found))}"


def test_readme_is_a_front_door():
    text = README.read_text()
    n = len(text.splitlines())
    assert 100 <= n <= 170, f"README.md has {n} lines"
    sections = [m[1] for m in re.finditer(r'^## (.*)$', text, re.M)]
    assert sections == ['Install', 'Quick start', 'Usage', 'Results', 'Documentation', 'Citing', 'Licence'], sections
    assert 'fit_warmup_cosine(300)' in text and '@inproceedings{' in text and 'CITATION.cff' in text and 'LICENSE' in text
    assert not re.search(r'\b20\d\d-\d\d-\d\d\b', text), "README.md: dates (only 'measured on' is allowed, without a date)"


def test_readme_lists_every_notebook_in_site_order():
    listed = re.findall(r'^- \[.+\]\(https://mfw-fastai\.github\.io/mfw_fastai/(\S+)\.html\) \(`([^`]+)`\)$', README.read_text(), re.M)
    order = [p for p in build.course_order(NOTEBOOKS) if p.stem != 'index']
    assert [n for _, n in listed] == [p.stem for p in order]
    assert [pg for pg, _ in listed] == [build.page_name(p, {}) for p in order]  # each links its page


def test_version_in_one_place():
    init = (root/'mfw_fastai'/'__init__.py').read_text()
    version = re.search(r'^__version__ = "([^"]+)"$', init, re.M)[1]
    proj = tomllib.loads((root/'pyproject.toml').read_text())['project']
    assert 'version' not in proj and 'version' in proj['dynamic']  # setuptools reads mfw_fastai.__version__
    assert not re.search(r'^version:', (root/'CITATION.cff').read_text(), re.M)  # the library's citation names no copy of it
    releases = re.findall(r'^## \[?(\d+\.\d+\.\d+)\]?', (root/'CHANGELOG.md').read_text(), re.M)
    assert releases and releases[0] == version, f"CHANGELOG.md's latest release {releases[:1]} is not the package's version {version}"
