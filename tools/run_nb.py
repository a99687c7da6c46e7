"""Execute notebooks and save their outputs as Jupyter would show them after the run, clean.

    python tools/run_nb.py nbs/02_callback.mfw.ipynb nbs/06_analysis.ipynb ...

Every cell runs, `#| slow` ones included (the saved outputs are the full run's); cells marked `#| eval: false` do not.
The notebooks run in execnb's `CaptureShell` (what `nbdev-test` uses; no Jupyter server needed) with two changes made
before the first cell, neither of which touches the outputs afterwards:

- `import mfw_fastai` first, so the package's filter of fastai's `torch.jit.script` FutureWarning is in place even in a
  module notebook that imports fastai itself (the same filter every entry point of the package gets);
- fastprogress's notebook bars, shown once when they finish: a fit leaves fastai's epoch table as an HTML table, as
  Jupyter shows it at the end, without the hundreds of intermediate display updates a live bar publishes; a bar with
  no table (a `get_preds`) leaves nothing, as in Jupyter.

A cell that prints a warning, a progress bar or an error makes the script fail (after saving), naming the cell: fix it
at its source. Then run `nbdev-clean`.
"""
import argparse, re, sys, time
from pathlib import Path
from fastcore.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

_setup = r'''
import mfw_fastai # its warning filter, before any cell imports fastai
import mfw_fastai.all, sys as _sys
from IPython.display import display as _display, HTML as _HTML
from fastcore.xml import to_xml as _to_xml
import fastprogress.fastprogress as _fp

class _MasterBar(_fp.NBMasterBar):
    "fastprogress's notebook master bar, displayed once when it ends: the epoch table, no live updates"
    def on_iter_begin(self): self.main_bar._parent_show = lambda: None
    def show(self): pass
    def on_iter_end(self):
        if len(self.lines) > 1 and not getattr(self, 'shown', False): # a fit cancelled before its first epoch ends shows no empty table
            self.shown = True; _display(_HTML(_to_xml(_fp.Div(*self.text_parts))))

class _ProgressBar(_fp.NBProgressBar):
    "fastprogress's notebook bar, never displayed (in Jupyter a finished bar with `leave=False` leaves nothing)"
    def __init__(self, *args, **kwargs): super().__init__(*args, **kwargs); self.display = False
    def on_iter_end(self): self.is_active = False; _fp.ProgressBar.on_iter_end(self)

for _m in list(_sys.modules.values()): # fastai's modules hold their own references to fastprogress's bars
    if getattr(_m, 'master_bar', None) in (_fp.ConsoleMasterBar, _fp.NBMasterBar): _m.master_bar = _MasterBar
    if getattr(_m, 'progress_bar', None) in (_fp.ConsoleProgressBar, _fp.NBProgressBar): _m.progress_bar = _ProgressBar
'''

_bar = re.compile(r'\|[█X-]{5,}\||Epoch \d+/\d+ :|\d+\.\d\d% \[\d+/\d+ |<progress\b')
_warn = re.compile(r'\b[A-Z]\w*Warning\b|Your generator is empty')

def output_text(o)->str:
    "The text of one saved output (stream text, or the text and HTML of displayed data)"
    if o.get('output_type') == 'stream': return ''.join(o.get('text', ''))
    d = o.get('data', {})
    return ''.join(''.join(d.get(k, '')) for k in ('text/plain', 'text/html'))

def bad_outputs(nb:dict)->list:
    "(cell index, reason) for each saved output holding a progress bar, a warning or an error"
    res = []
    for i, c in enumerate(nb['cells']):
        for o in c.get('outputs', []) if c.get('cell_type') == 'code' else []:
            t = output_text(o)
            if o.get('output_type') == 'error': res.append((i, f"error {o.get('ename')}: {o.get('evalue', '')[:80]}"))
            elif _bar.search(t): res.append((i, f"progress bar: {_bar.search(t).group(0)!r}"))
            elif _warn.search(t): res.append((i, f"warning: {t[max(0, _warn.search(t).start()-60):_warn.search(t).end()+60]!r}"))
            elif o.get('output_type') == 'stream' and o.get('name') == 'stderr': res.append((i, f"stderr: {t[:120]!r}"))
    return res

def _skip(cell)->bool:
    if cell.cell_type != 'code': return True
    head = [l for l in cell.source.splitlines() if l.startswith('#|')]
    return any(re.match(r'#\|\s*eval:\s*false', l) for l in head)

def run_nb(fn:Path, mpl_format:str='retina', timeout:int=None)->list:
    "Execute the notebook `fn`, save it with its new outputs; returns `bad_outputs`"
    fn = Path(fn).resolve()
    nb = read_nb(fn)
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs, c.execution_count = [], None
    sh = CaptureShell(fn, mpl_format=mpl_format)
    t0 = time.time()
    try:
        import os; cwd = os.getcwd(); os.chdir(fn.parent)
        r = sh.run(_setup)
        if sh.exc: raise sh.exc
        for i, c in enumerate(nb.cells):
            if _skip(c): continue
            t1 = time.time()
            sh.cell(c, timeout=timeout)
            if sh.exc: raise RuntimeError(f"{fn.name}: cell {i} failed") from sh.exc
            if time.time() - t1 > 5: print(f"  {fn.name} cell {i}: {time.time() - t1:.0f} s", flush=True)
    finally:
        os.chdir(cwd); sh.close()
    write_nb(nb, fn)
    bad = bad_outputs(nb)
    print(f"{fn.name}: {time.time() - t0:.0f} s, {sum(len(c.get('outputs', [])) for c in nb.cells)} outputs"
          + (f", {len(bad)} bad: {bad}" if bad else ''), flush=True)
    return bad

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('nbs', nargs='+', help="notebooks to execute")
    p.add_argument('--mpl-format', default='retina', help="matplotlib's inline format (png, retina, svg)")
    p.add_argument('--timeout', type=int, default=None, help="seconds per cell")
    a = p.parse_args()
    bad = [(nb, b) for nb in a.nbs for b in run_nb(nb, a.mpl_format, a.timeout)]
    if bad: sys.exit(f"{len(bad)} output(s) hold a progress bar, a warning or an error: {bad}")

if __name__ == '__main__': main()
