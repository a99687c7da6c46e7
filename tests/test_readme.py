"README.md and nbs/index.ipynb say the same thing."
import json
from pathlib import Path

root = Path(__file__).resolve().parents[1]


def test_readme_matches_index():
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    md = '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    assert md.strip() == (root/'README.md').read_text().strip()
