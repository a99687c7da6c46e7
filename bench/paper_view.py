"""What the paper-recipe figure (bench/paper_recipe.py) and its caption (bench/render.py) share, so that the two cannot
disagree: the methods' labels, the grouping of classes in the per-class panel, and when that panel shows the result.
No heavy imports: render.py reads it without loading torch."""

LABEL = {'erm': 'ERM', 'mfw': 'MFW', 'mfw-drw': 'MFW + DRW'}  # the suite's methods, in the table's order
NAME = {'cifar10': 'CIFAR-10-LT', 'cifar100': 'CIFAR-100-LT'}


def class_groups(C):
    "Classes as the per-class panel shows them: each class (C <= 20), else ten groups of consecutive classes, largest first"
    if C <= 20: return [[c] for c in range(C)]
    return [list(range(C * k // 10, C * (k + 1) // 10)) for k in range(10)]


def plottable(rs)->bool:
    "Whether a data set's seed-0 runs ({method: run}) have enough to draw: a finished run, or two measurements of the deviation (epoch 10) or of the test accuracy in one; before that the panels are empty"
    return any(r.get('state') == 'finished' or len(r.get('deviation') or []) >= 2 or len(r.get('test_acc') or []) >= 2 for r in rs.values())


def all_finished(rs):
    "Whether every method of a data set's seed-0 runs ({method: run}) has finished: the per-class panel then shows their results"
    return all(m in rs and rs[m]['state'] == 'finished' for m in LABEL)


def at(pts, e):
    "The value recorded at epoch `e` in [[epoch, value], ...]"
    return dict(pts)[e]
