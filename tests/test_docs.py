"Every public name of mfw_fastai has a docstring, and every parameter a docment (a trailing comment)."
import inspect

from fastcore.docments import docments

import mfw_fastai.all as mall

SKIP_PARAMS = {'self', 'cls', 'args', 'kwargs'}


def public_objects():
    for name in mall.__all__:
        o = getattr(mall, name)
        if (inspect.isfunction(o) or inspect.isclass(o)) and getattr(o, '__module__', '').startswith('mfw_fastai'):
            yield name, o


def undocumented(o):
    if inspect.isclass(o):
        owner = next(c for c in o.__mro__ if '__init__' in c.__dict__)
        if not owner.__module__.startswith('mfw_fastai'): return []  # inherited from fastai or Python: documented there
    f = o.__init__ if inspect.isclass(o) else o
    try: params = inspect.signature(f).parameters
    except (TypeError, ValueError): return []
    docs = docments(f, full=False)
    return [p for p in params if p not in SKIP_PARAMS and params[p].kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
            and not docs.get(p)]


def test_public_api_is_documented():
    objs = dict(public_objects())
    assert len(objs) > 30
    no_doc = [n for n, o in objs.items() if not (o.__doc__ or '').strip()]
    assert not no_doc, f"no docstring: {no_doc}"
    missing = {n: m for n, o in objs.items() if (m := undocumented(o))}
    assert not missing, f"parameters without docments: {missing}"
