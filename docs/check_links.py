"""Check a built site offline: every internal link and asset of every HTML page resolves.

For each `*.html` under the site folder, every `href`/`src` (links, scripts, stylesheets, images, and the `srcset`
candidates) that is not an outside address must name a file that exists in the site (a folder means its `index.html`),
and an `#anchor` must be an `id` (or `<a name>`) in the page it names, an id only once. Scripts, stylesheets and images must come from the
site itself, not from another host, so that the site works offline; links (`<a href>`) to other sites are allowed and
not followed. Exits 1 with one line per broken reference.

    python docs/check_links.py _docs"""
from __future__ import annotations
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_asset_tags = {'script', 'img', 'link', 'source', 'iframe', 'embed', 'video', 'audio', 'track', 'input'}
_ext_ok = {'a', 'area'}  # elements that may point outside (a reader follows them); `link rel=` to a page too

class _Page(HTMLParser):
    "The ids of one page and its references: (tag, attribute, value, rel, line)"
    def __init__(self):
        super().__init__(convert_charrefs=True); self.ids, self.refs, self.dup_ids = set(), [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id') in self.ids: self.dup_ids.append((a['id'], self.getpos()[0]))
        for k in ('id', 'name') if tag in ('a', 'map') else ('id',):
            if a.get(k): self.ids.add(a[k])
        for k in ('href', 'src'):
            if a.get(k) is not None: self.refs.append((tag, k, a[k], a.get('rel') or '', self.getpos()[0]))
        if a.get('srcset'):
            for cand in a['srcset'].split(','):
                if cand.strip(): self.refs.append((tag, 'srcset', cand.split()[0], '', self.getpos()[0]))

def parse(path:Path)->_Page:
    p = _Page(); p.feed(path.read_text(encoding='utf-8', errors='replace')); p.close(); return p

def _target(site:Path, page:Path, path:str)->Path:
    t = (site/path.lstrip('/')) if path.startswith('/') else (page.parent/path)
    t = Path(*[q for q in t.parts if q != '.'])
    return t/'index.html' if t.is_dir() else t

def check(site:Path)->list:
    "Broken references in the site: a list of 'page:line: what' strings (empty when every one resolves)"
    site = site.resolve()
    if not (site/'index.html').is_file(): return [f"{site}: no index.html (build the site first: bash .ci/docs)"]
    pages = {p.resolve(): parse(p) for p in sorted(site.rglob('*.html'))}
    errs = []
    for page, info in pages.items():
        rel = page.relative_to(site)
        errs += [f"{rel}:{line}: id {i!r} is used twice (which one does #{i} mean?)" for i, line in info.dup_ids]
        for tag, attr, val, linkrel, line in info.refs:
            val = val.strip(); u = urlsplit(val)
            where = f"{rel}:{line}: <{tag} {attr}=\"{val}\">"
            if u.scheme in ('mailto', 'javascript', 'data', 'tel') or (tag == 'a' and not val): continue
            if u.scheme or u.netloc:
                external_ok = tag in _ext_ok or (tag == 'link' and not {'stylesheet', 'icon', 'preload', 'modulepreload'} & set(str(linkrel).split()))
                if not external_ok: errs.append(f"{where}: loaded from another host (the site must work offline)")
                continue
            if not u.path:  # '#anchor' on this page
                if u.fragment and unquote(u.fragment) not in info.ids: errs.append(f"{where}: no id {u.fragment!r} on this page")
                continue
            t = _target(site, page, unquote(u.path)).resolve()
            if site not in t.parents and t != site: errs.append(f"{where}: points outside the site"); continue
            if not t.is_file(): errs.append(f"{where}: no such file {t.relative_to(site) if site in t.parents else t}"); continue
            if u.fragment and t.suffix == '.html':
                ids = pages[t].ids if t in pages else parse(t).ids
                if unquote(u.fragment) not in ids: errs.append(f"{where}: no id {u.fragment!r} in {t.relative_to(site)}")
    return errs

def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    site = Path(argv[0] if argv else '_docs')
    errs = check(site)
    n = sum(1 for _ in site.rglob('*.html')) if site.is_dir() else 0
    for e in errs: print(e)
    if errs: print(f"{len(errs)} broken reference(s) in {site}"); sys.exit(1)
    print(f"links ok: every internal link and asset of {n} pages in {site} resolves")

if __name__ == '__main__': main()
