# Sourced by the device scripts (bench/gpu_run.sh, bench/gpu_suite.sh): on a machine without fastai or without the data,
# install the carried wheels (.whl/) and unpack the carried data (.gpu_data/cifar10.zip, from bench/carry_subset.py) where
# fastai's untar_data(URLs.CIFAR) looks for it.
export PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
if ! python3 -c "import fastai" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PYTHONPATH
fi
[ -d .gpu_data/cifar10 ] || [ ! -f .gpu_data/cifar10.zip ] || (cd .gpu_data && python3 -m zipfile -e cifar10.zip .) || exit 1
mkdir -p ~/.fastai/data
[ -e ~/.fastai/data/cifar10 ] || ln -s "$PWD/.gpu_data/cifar10" ~/.fastai/data/cifar10
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
python3 -c "import torch, fastai, mfw_fastai; print('torch', torch.__version__, 'fastai', fastai.__version__, 'cuda', torch.cuda.is_available())" || exit 1
