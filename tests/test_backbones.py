"""Any torchvision/timm backbone: names resolve, MFW mixes at the named group (checked against a hand computation),
weights come from a local file or the framework's cache, and what cannot work is refused before anything is built."""
import sys

import pytest
import mfw_fastai  # first: its filter of fastai's torch.jit warning
import torch, torchvision
from torch.distributions import Beta
from fastai.vision.all import Callback, CancelFitException, Normalize, imagenet_stats, set_seed

import mfw_fastai.models as models
from mfw_fastai.models import resolve_arch, check_arch, model_groups, group_module, get_module, show_groups, resnet20
from mfw_fastai.learner import mfw_learner
from mfw_fastai.callback.mfw import MFW, mfw_weights, _tiny_dls

COUNTS = [40, 40, 4]  # _tiny_dls's classes
try: import timm
except ImportError: timm = None
needs_timm = pytest.mark.skipif(timm is None, reason='timm not installed (an optional extra)')


def _next(model, name):
    "The module after `name` in its parent: the one that receives the group's output"
    parent, _, leaf = name.rpartition('.')
    kids = [n for n, _ in model.get_submodule(parent).named_children()]
    return f"{parent}.{kids[kids.index(leaf) + 1]}"


class Record(Callback):
    "The group's raw output with the random state right after it, and what the next module receives; one batch"
    def __init__(self, group_name, next_name): self.g, self.n = group_name, next_name
    def before_fit(self):  # registered before MFW's hook (added in before_train), so it sees the output unmixed
        def out(m, i, o): self.z, self.rng = o.detach().clone(), torch.get_rng_state()  # stochastic depth draws before this
        self.hs = [get_module(self.learn.model, self.g).register_forward_hook(out),
                   get_module(self.learn.model, self.n).register_forward_pre_hook(lambda m, a: setattr(self, 'zt', a[0].detach().clone()))]
    def after_batch(self): self.labels = self.learn.yb[0]; raise CancelFitException()
    def after_fit(self): [h.remove() for h in self.hs]


@pytest.mark.parametrize('arch,group,target', [
    ('resnet18', 2, '0.4'),  # fastai's body of torchvision's ResNet: layer1 is child 4
    ('convnext_tiny', 3, '0.0.3'),  # features: stem, stage 1, downsampling, stage 2 (3), ...
    ('efficientnet_b0', 3, '0.0.2'),  # features: stem, stage 1, stage 2 (2), ...
    pytest.param('timm:convnext_atto', 2, '0.model.stages.0', marks=needs_timm),
])
def test_mfw_mixes_at_the_named_group(arch, group, target):
    set_seed(1)
    learn = mfw_learner(_tiny_dls(size=32), arch, alpha=2., group=group, counts=COUNTS, verbose=False)
    assert group_module(learn.model, group) == target
    rec = Record(target, _next(learn.model, target)); learn.add_cb(rec)
    w0 = [p.detach().clone() for p in learn.model.parameters()]
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)  # one batch
    assert learn.mfw.target == target
    # the reference, written out: from the random state at the group's output, Beta draws times s(N_y), then a permutation
    torch.set_rng_state(rec.rng); y = rec.labels
    lam = Beta(torch.tensor(2.), torch.tensor(2.)).sample((len(y),)) * mfw_weights(COUNTS)[y]
    perm = torch.randperm(len(y))
    assert torch.equal(learn.mfw.perm, perm) and torch.allclose(learn.mfw.lam, lam)
    l = lam.view(-1, *[1]*(rec.z.dim() - 1))
    ref = (1 - l) * rec.z + l * rec.z[perm]
    assert (lam > 0).sum() > 1 and not torch.allclose(ref, rec.z)  # something was mixed
    torch.testing.assert_close(rec.zt, ref, rtol=1e-5, atol=1e-5 * rec.z.abs().max().item())
    assert any(not torch.equal(a, b) for a, b in zip(w0, learn.model.parameters()))  # and the batch trained the model


@pytest.mark.parametrize('arch,kind', [('resnet32', 'cifar'), ('resnet18_small', 'cifar'), ('resnet18', 'torchvision'),
                                       ('resnet50', 'torchvision'), ('convnext_tiny', 'torchvision'), ('efficientnet_b0', 'torchvision')])
def test_names_resolve(arch, kind):
    r = resolve_arch(arch)
    assert (r['kind'], r['name']) == (kind, arch)
    if kind == 'torchvision': assert r['fn'] is torchvision.models.get_model_builder(arch) and r['stats'] == imagenet_stats


def test_every_torchvision_classifier_resolves():
    names = torchvision.models.list_models(module=torchvision.models)
    assert len(names) > 50 and {resolve_arch(n)['kind'] for n in names} == {'torchvision'}


@pytest.mark.parametrize('arch,msg', [
    ('resnet19', "Unknown architecture 'resnet19' (close: resnet18"),
    ('ConvNeXt-Tiny', "Unknown architecture 'ConvNeXt-Tiny'"),
    (42, 'arch must be an architecture name, an architecture function or an nn.Module, got 42'),
])
def test_unknown_architecture_refused(arch, msg):
    with pytest.raises(ValueError) as e: mfw_learner(_tiny_dls(), arch)
    assert msg in str(e.value) and '\n' not in str(e.value)
    if isinstance(arch, str): assert "torchvision.models.list_models(module=torchvision.models)) or 'timm:<name>'" in str(e.value)


def test_timm_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'timm', None)  # import timm now raises ImportError
    with pytest.raises(ValueError, match=r'timm models need timm: pip install timm \(or pip install "mfw_fastai\[timm\]"\)'):
        resolve_arch('timm:resnet18')


def test_show_groups_shapes():
    g = show_groups('resnet18', size=64)  # stem: stride-2 convolution and max-pool; layer2..4 halve again
    assert list(g['module']) == ['(input)', '0.3', '0.4', '0.5', '0.6', '0.7']
    assert list(g['shape']) == [(3, 64, 64), (64, 16, 16), (64, 16, 16), (128, 8, 8), (256, 4, 4), (512, 2, 2)]
    g = show_groups('efficientnet_b0', size=64)  # EfficientNet-B0's table: stem /2, then strides 1, 2, 2, 2, 1, 2, 1
    assert list(g['shape']) == [(3, 64, 64), (32, 32, 32), (16, 32, 32), (24, 16, 16), (40, 8, 8), (80, 4, 4), (112, 4, 4),
                                (192, 2, 2), (320, 2, 2)]


def _offline(monkeypatch, hub):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(hub))
    monkeypatch.setattr(models, '_reachable', lambda url, timeout=5.: 'offline in this test')


def test_pretrained_without_cached_weights_refused(tmp_path, monkeypatch):
    _offline(monkeypatch, tmp_path/'hub')
    built = []; monkeypatch.setattr(models, '_framework_model', lambda *a, **k: built.append(a))
    dls = _tiny_dls(size=32)
    with pytest.raises(ValueError) as e: mfw_learner(dls, 'resnet18', pretrained=True)
    msg = str(e.value)
    assert msg.startswith('Pre-trained resnet18: its weights are not in the cache (') and '\n' not in msg
    assert str(tmp_path/'hub'/'checkpoints'/'resnet18-f37072fd.pth') in msg and 'download.pytorch.org cannot be reached (offline in this test)' in msg
    assert 'run once on a machine with network access' in msg and 'weights=FILE' in msg
    assert built == [] and not (tmp_path/'hub').exists() and not dls.after_batch.fs.filter(lambda t: isinstance(t, Normalize))


def test_pretrained_from_the_cache(tmp_path, monkeypatch):
    "Weights in torch's cache under torchvision's file name are used as they are, without the network"
    _offline(monkeypatch, tmp_path)
    (tmp_path/'checkpoints').mkdir()
    torch.manual_seed(0); sd = torchvision.models.resnet18().state_dict()
    torch.save(sd, tmp_path/'checkpoints'/'resnet18-f37072fd.pth')
    learn = mfw_learner(_tiny_dls(size=32), 'resnet18', pretrained=True, verbose=False)
    body = learn.model[0].state_dict()
    assert len(body) == len(sd) - 2 and all(torch.equal(a, sd[k]) for a, k in zip(body.values(), [k for k in sd if not k.startswith('fc.')]))
    assert not learn.model[0][0].weight.requires_grad and all(p.requires_grad for p in learn.model[1].parameters())  # frozen
    norm = learn.dls.after_batch[-1]
    assert isinstance(norm, Normalize) and torch.allclose(norm.mean.flatten(), torch.tensor(imagenet_stats[0]))


def test_weights_file_loaded_and_checked(tmp_path):
    torch.manual_seed(0); sd = torchvision.models.efficientnet_b0().state_dict()
    torch.save({'model': sd, 'epoch': torch.tensor(3)}, tmp_path/'ckpt.pth')  # a checkpoint holding the state dict
    learn = mfw_learner(_tiny_dls(size=32), 'efficientnet_b0', weights_file=tmp_path/'ckpt.pth', verbose=False)
    feats = learn.model[0][0].state_dict()  # fastai's body keeps EfficientNet's `features`
    assert feats.keys() == {k[len('features.'):] for k in sd if k.startswith('features.')}
    assert all(torch.equal(v, sd['features.' + k]) for k, v in feats.items())
    assert len(learn.opt.param_groups) == 2 and not learn.model[0][0][0][0].weight.requires_grad  # body / head, body frozen
    # a CIFAR ResNet's own state dict, with its head
    torch.save(resnet20(3).state_dict(), tmp_path/'r20.pth')
    learn = mfw_learner(_tiny_dls(size=32), 'resnet20', weights_file=tmp_path/'r20.pth', verbose=False)
    assert all(torch.equal(a, b) for a, b in zip(learn.model.state_dict().values(), torch.load(tmp_path/'r20.pth').values()))


@pytest.mark.parametrize('make,arch,n_out,msg', [
    (lambda: torchvision.models.resnet34().state_dict(), 'resnet18', None,
     'does not fit resnet18: 96 unexpected keys (layer1.2.conv1.weight, layer1.2.bn1.weight, layer1.2.bn1.bias, ...)'),
    (lambda: {k: v for k, v in torchvision.models.resnet18().state_dict().items() if not k.startswith('layer4.1.')}, 'resnet18', None,
     # conv1, bn1 (weight, bias, running mean and var, batches tracked), conv2, bn2: 12 entries
     'does not fit resnet18: 12 missing keys (layer4.1.conv1.weight, layer4.1.bn1.weight, layer4.1.bn1.bias, ...)'),
    (lambda: torchvision.models.resnet18(num_classes=10).state_dict(), 'resnet18', None,
     'does not fit resnet18: 2 shape mismatches (fc.weight (10, 512) for (1000, 512), fc.bias (10,) for (1000,))'),
    (lambda: resnet20(10).state_dict(), 'resnet20', 3, 'does not fit resnet20: 2 shape mismatches (head.2.weight (10, 64) for (3, 64)'),
    (lambda: torch.zeros(3), 'resnet18', None, 'holds no state dict (a dict of tensors) but a Tensor'),
    (lambda: b'not a checkpoint', 'resnet18', None, 'cannot be read as a state dict (UnpicklingError)'),
], ids=['other model', 'keys missing', 'other head', 'cifar head', 'a tensor', 'not a checkpoint'])
def test_bad_weights_file_refused(tmp_path, make, arch, n_out, msg):
    f = tmp_path/'w.pth'
    obj = make()
    if isinstance(obj, bytes): f.write_bytes(obj)
    else: torch.save(obj, f)
    with pytest.raises(ValueError) as e: check_arch(arch, n_out, weights=f)
    assert str(e.value).startswith(f"Weights file {f}") and msg in str(e.value) and '\n' not in str(e.value)


def test_missing_weights_file_and_cifar_pretrained_refused(tmp_path):
    with pytest.raises(ValueError, match="Weights file '.*nothing.pth' not found"): mfw_learner(_tiny_dls(), 'resnet18', weights_file=tmp_path/'nothing.pth')
    with pytest.raises(ValueError, match=r'No pre-trained weights for resnet32: train it from scratch \(pretrained=False\) or pass weights=FILE'):
        mfw_learner(_tiny_dls(), 'resnet32', pretrained=True)


@needs_timm
def test_timm_names_groups_and_refusals(tmp_path, monkeypatch):
    r = resolve_arch('timm:convnext_atto')
    assert r['kind'] == 'timm' and r['stats'] == (timm.data.IMAGENET_DEFAULT_MEAN, timm.data.IMAGENET_DEFAULT_STD)
    assert model_groups(models.create_arch_model('timm:efficientnet_b0', 3)) == ['', '0.model.bn1'] + [f'0.model.blocks.{i}' for i in range(7)]
    torch.manual_seed(0); sd = timm.create_model('convnext_atto').state_dict(); torch.save(sd, tmp_path/'atto.pth')
    body = models.create_arch_model('timm:convnext_atto', 3, weights=tmp_path/'atto.pth')[0].model.state_dict()
    assert body.keys() == sd.keys() - {'head.fc.weight', 'head.fc.bias'} and all(torch.equal(v, sd[k]) for k, v in body.items())
    with pytest.raises(ValueError, match=r"Unknown timm model 'convnxt_atto' \(close: convnext_atto"): resolve_arch('timm:convnxt_atto')
    with pytest.raises(ValueError, match=r"Unknown architecture 'convnext_atto' \(close: .*timm:convnext_atto\)"): resolve_arch('convnext_atto')
    import huggingface_hub.constants as hf
    monkeypatch.setattr(hf, 'HF_HUB_CACHE', str(tmp_path/'hf'))
    _offline(monkeypatch, tmp_path/'hub')
    with pytest.raises(ValueError) as e: check_arch('timm:convnext_atto', pretrained=True)
    assert f"its weights are not in the cache ({tmp_path/'hf'/'models--timm--convnext_atto.d2_in1k'})" in str(e.value)
    assert 'huggingface.co cannot be reached (offline in this test)' in str(e.value)
