"""The notebooks' saved outputs are what a reader should see: no progress-bar text, no warnings, no errors.

Refresh a notebook's outputs with `python tools/run_nb.py nbs/<notebook>.ipynb`, then `nbdev-clean`."""
import json, sys
from pathlib import Path
import pytest

root = Path(__file__).parents[1]
sys.path.insert(0, str(root/'tools'))
from run_nb import bad_outputs

notebooks = sorted((root/'nbs').glob('*.ipynb'))

def test_found_notebooks(): assert len(notebooks) > 10 and any(p.name == 'tutorial.imbalance.ipynb' for p in notebooks)

@pytest.mark.parametrize('nb', notebooks, ids=lambda p: p.name)
def test_saved_outputs_clean(nb):
    bad = bad_outputs(json.loads(nb.read_text()))
    assert not bad, f"{nb.name}: {len(bad)} saved output(s) hold a progress bar, a warning or an error " \
                    f"(rerun it with tools/run_nb.py after fixing the source): {bad[:5]}"

def _nb(*outputs): return {'cells': [{'cell_type': 'markdown', 'source': 'Warning: |██████-----|'},
                                     {'cell_type': 'code', 'source': '', 'outputs': list(outputs)}]}
def _stream(name, text): return {'output_type': 'stream', 'name': name, 'text': text}
def _html(h): return {'output_type': 'display_data', 'data': {'text/html': h, 'text/plain': '<IPython.core.display.HTML object>'}}

# What the checker must catch, as such outputs were saved before (console bars, fastai's and fastprogress's warnings)
caught = {
    'console epoch bar': _stream('stdout', "█\repoch     train_loss  valid_loss  accuracy   time    \n█\r\rEpoch 1/20 : "
                                           "|----------------------------------------| 0.00% [0/40 00:00<?]\rEpoch 1/20 : |█---"),
    'console bar, no epoch': _stream('stdout', '\r |██████████------------------------------| 25.00% [1/4 00:00<00:01]'),
    'bar of a 2-line list': _stream('stdout', ['Epoch 3/5 :', ' |XXXXX-----| 50.00% [2/4 00:01<00:01]\n']),
    'torch.jit FutureWarning': _stream('stderr', "/x/torch/jit/_script.py:1491: FutureWarning: `torch.jit.script` is deprecated.\n  warnings.warn(\n"),
    'empty generator': _stream('stderr', "/x/fastprogress/fastprogress.py:95: UserWarning: Your generator is empty.\n  warn(\"Your generator is empty.\")\n"),
    'warning on stdout': _stream('stdout', "UserWarning: You are shadowing an attribute (y) that exists in the learner.\n"),
    'other stderr': _stream('stderr', "something went to stderr\n"),
    'live notebook bar': _html('<div><progress value="3" max="40"></progress> 7.50% [3/40 00:01&lt;00:14]</div>'),
    'error': {'output_type': 'error', 'ename': 'ValueError', 'evalue': 'bad', 'traceback': []},
}

@pytest.mark.parametrize('name', list(caught))
def test_checker_catches(name):
    bad = bad_outputs(_nb(caught[name]))
    assert len(bad) == 1 and bad[0][0] == 1, bad

def test_checker_passes_clean_outputs():
    table = ('<div>\n  <table class="fastprogress">\n    <thead>\n      <tr>\n        <th>epoch</th>\n        <th>train_loss</th>\n'
             '      </tr>\n    </thead>\n    <tbody>\n      <tr>\n        <td>0</td>\n        <td>1.234567</td>\n      </tr>\n    </tbody>\n  </table>\n</div>\n')
    ok = _nb(_html(table), _stream('stdout', 'mean: ERM 45.2%, MFW 61.0% [2 seeds]\n'),
             {'output_type': 'display_data', 'data': {'image/png': 'iVBORw0KGgo=\n', 'text/plain': '<Figure size 640x480 with 1 Axes>'}},
             {'output_type': 'execute_result', 'data': {'text/plain': '0.25'}, 'execution_count': 1, 'metadata': {}})
    assert bad_outputs(ok) == []
