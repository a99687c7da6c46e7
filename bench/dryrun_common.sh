# Sourced by the CPU dry runs of the device scripts (gpu_suite_dryrun.sh, gpu_speed_dryrun.sh).
# dryrun_setup SETTING: a copy of the repository in $T/dev stands for the device machine (its own HOME, $T/home, so the
# only data it sees is the carried WebP subset of CIFAR-10), and the local runs of SETTING start from nothing.
dryrun_setup() {
  S=$1; T=$(mktemp -d); here=$PWD
  mkdir -p "$T/dev" "$T/home"
  git ls-files -co --exclude-standard | tar cf - -T - | (cd "$T/dev" && tar xf -)
  if [ -d .whl ]; then cp -r .whl "$T/dev/"; fi
  python bench/carry_subset.py --kind exp --rho 10 --n-max 40 --n-valid 100 --webp --zip "$T/dev/.gpu_data/cifar10.zip" 2>&1 | tail -1
  rm -rf bench/runs/gpu-tiny/$S-* .gpu_runs/$S.zip
}
# dryrun_call_prep: before each call, pack SETTING's runs and make $T/dev a fresh machine that holds only them.
dryrun_call_prep() {
  python bench/gpu_runs.py pack $S .gpu_runs/$S.zip --tiny
  rm -rf "$T/dev/bench/runs" "$T/dev/.gpu_data/cifar10" "$T/dev/.gpu_runs" "$T/home/.fastai" "$T/out"
  mkdir -p "$T/dev/.gpu_runs"; cp .gpu_runs/$S.zip "$T/dev/.gpu_runs/"
}
