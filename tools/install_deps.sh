#!/usr/bin/env bash
# Installs every Debian package dact needs to build, test and benchmark.
# On Debian 12; uses sudo for apt-get when not run as root. libopenblas0-openmp
# matters: without it LibTorch falls back to the reference BLAS, ~50x slower on convolutions.
# chromium (headless) is for the run page's browser test; iproute2 and util-linux (unshare)
# for the multi-host test bed (tests/cluster); slurm-wlm and munge for the tests that run
# the sbatch script under a local Slurm (tests/cluster/slurm_local.sh starts the daemons;
# the packages' own services are not used).
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-openmp libopenmpi-dev openmpi-bin libhdf5-dev
  libboost-dev libgoogle-glog-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libfmt-dev libxxhash-dev libpng-dev libjpeg-dev libzip-dev zlib1g-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist python3-torch python3-torchvision python3-h5py python3-scipy python3-numpy python3-pil
  chromium iproute2 util-linux slurm-wlm munge
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) == 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "dact: all ${#packages[@]} Debian packages present"
