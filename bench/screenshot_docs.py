"""Look at the documentation site in a real browser: serve `_docs/` on 127.0.0.1, open pages in headless Chromium,
save a screenshot of each under `bench/results/`, and fail on a page that does not render.

Run on purpose, not in CI (it needs the Debian package `chromium`: `apt-get update && apt-get install -y chromium`):

    bash .ci/docs                       # build the site
    python bench/screenshot_docs.py     # home page, the MFW API page and the tutorial
    python bench/screenshot_docs.py --pages losses tutorial.own_data --height 4000

A page fails when, in the DOM Chromium ends with: the title or the main text is missing, an image of the page was not
served (every `<img>` in the content must have been fetched with status 200), the math was not typeset (each TeX
element of the page must hold MathJax output, with no TeX error), or any file the page asked the server for was
missing; and when the screenshot is blank. Screenshots: `bench/results/docs-<page>-<date>.png`."""
from __future__ import annotations
import argparse, datetime, functools, html, re, shutil, subprocess, sys, tempfile, threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit, unquote

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--mute-audio']

class _Handler(SimpleHTTPRequestHandler):
    "Serves the site and records every request's path and status"
    log = None
    def log_message(self, fmt, *args): pass
    def log_request(self, code='-', size='-'):
        self.log.append((urlsplit(self.path).path, int(code) if str(code).isdigit() else 0))

def serve(site:Path):
    "A server of `site` on a free port of 127.0.0.1, in a thread: (server, base URL, request log)"
    log = []
    handler = functools.partial(type('H', (_Handler,), {'log': log}), directory=str(site))
    srv = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/", log

def chromium(exe, url, *args, budget_ms=15000, timeout=120):
    "Run headless Chromium on `url` with a fresh profile; its stdout"
    with tempfile.TemporaryDirectory() as prof:
        r = subprocess.run([exe, *FLAGS, f'--user-data-dir={prof}', f'--virtual-time-budget={budget_ms}', *args, url],
                           capture_output=True, text=True, timeout=timeout)
    if r.returncode: raise RuntimeError(f"chromium exited {r.returncode} on {url}: {r.stderr[-2000:]}")
    return r.stdout

def _content(dom:str)->str:
    "The page's main article (furo: <article>), else the body"
    m = re.search(r'<article\b.*?</article>', dom, re.S) or re.search(r'<body\b.*</body>', dom, re.S)
    return m.group(0) if m else ''

def check_dom(dom:str, src:str, requests:list, page:str)->list:
    "What is wrong with a rendered page (empty list: it rendered)"
    errs, art = [], _content(dom)
    title = re.search(r'<title>(.*?)</title>', dom, re.S)
    if not title or not html.unescape(title.group(1)).strip(): errs.append("no <title>")
    if not re.search(r'<h1\b', art): errs.append("no <h1> heading in the content")
    text = html.unescape(re.sub(r'<[^>]+>', ' ', re.sub(r'<(script|style)\b.*?</\1>', '', art, flags=re.S)))
    if len(text.split()) < 30: errs.append(f"almost no text in the content ({len(text.split())} words)")
    served = {p: c for p, c in requests}
    for img in re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', art):
        if img.startswith('data:'): continue
        path = unquote(urlsplit(urljoin(f"http://site/{page}", html.unescape(img))).path)
        if served.get(path) != 200: errs.append(f"image {img} not loaded (status {served.get(path)})")
    n_tex = len(re.findall(r'class="math[ "]', src))  # Sphinx's math nodes in the page as built
    if n_tex:
        n_mjx = len(re.findall(r'<mjx-container\b', dom))
        if n_mjx < n_tex: errs.append(f"math not typeset: {n_tex} TeX elements, {n_mjx} MathJax outputs")
        if re.search(r'<mjx-merror\b|data-mjx-error', dom): errs.append("MathJax reported a TeX error")
    bad = sorted({f"{p} ({c})" for p, c in requests if c >= 400 and p != "/favicon.ico"})  # the browser asks for one unbidden
    if bad: errs.append(f"requests failed: {', '.join(bad)}")
    return errs

def blank(png:Path)->bool:
    "Whether a screenshot is one flat colour"
    from PIL import Image
    lo, hi = Image.open(png).convert('L').getextrema()
    return hi - lo < 10

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--site', default=str(ROOT/'_docs'), help='the built site (bash .ci/docs)')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'), help='where the screenshots go')
    ap.add_argument('--pages', nargs='+', default=['index', 'callback.mfw', 'tutorial.imbalance'], help='page names, without .html')
    ap.add_argument('--width', type=int, default=1280); ap.add_argument('--height', type=int, default=2000)
    ap.add_argument('--chromium', default=shutil.which('chromium') or shutil.which('chromium-browser') or 'chromium')
    ap.add_argument('--date', default=datetime.date.today().isoformat(), help='date in the file names')
    a = ap.parse_args(argv)
    site, out = Path(a.site), Path(a.out)
    if not (site/'index.html').is_file(): sys.exit(f"{site}/index.html missing: build the site first (bash .ci/docs)")
    if not shutil.which(a.chromium): sys.exit(f"{a.chromium} not found: apt-get update && apt-get install -y chromium")
    out.mkdir(parents=True, exist_ok=True)
    srv, base, log = serve(site)
    failed = {}
    try:
        for page in a.pages:
            f = site/f"{page}.html"
            if not f.is_file(): failed[page] = [f"no {f}"]; continue
            url = base + f"{page}.html"
            log.clear()
            dom = chromium(a.chromium, url, '--dump-dom')
            errs = check_dom(dom, f.read_text(), list(log), f"{page}.html")
            png = out/f"docs-{page}-{a.date}.png"
            chromium(a.chromium, url, f'--screenshot={png}', f'--window-size={a.width},{a.height}')
            if not png.is_file(): errs.append("no screenshot written")
            elif blank(png): errs.append("the screenshot is blank")
            n_img = len(re.findall(r'<img\b', _content(dom))); n_mjx = len(re.findall(r'<mjx-container\b', dom))
            print(f"{'ok  ' if not errs else 'FAIL'} {page}: {n_img} images, {n_mjx} formulas typeset -> {png.resolve().relative_to(ROOT) if ROOT in png.resolve().parents else png}")
            for e in errs: print(f"     {e}")
            if errs: failed[page] = errs
    finally:
        srv.shutdown()
    if failed: sys.exit(f"{len(failed)} page(s) did not render: {', '.join(failed)}")

if __name__ == '__main__': main()
