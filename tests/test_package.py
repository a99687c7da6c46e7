"Tests of the installed package from outside: imports, version, the public API."
import subprocess, sys


def test_import_all():
    import mfw_fastai
    from mfw_fastai import all as mall
    assert mfw_fastai.__version__.count('.') == 2
    for name in ('mfw_learner', 'MFW', 'mfw_weights', 'cifar_imbalanced_dls', 'class_counts', 'imbalance_counts', 'resnet32'):
        assert hasattr(mall, name), name


def test_star_import_in_fresh_interpreter():
    code = "from mfw_fastai.all import *; print(mfw_learner.__name__, resnet32.__name__, Learner.__name__)"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ['mfw_learner', 'resnet32', 'Learner']
