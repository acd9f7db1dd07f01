#!/bin/sh
# install-deps.sh - installs the Debian 12 packages tnemu builds, tests and runs with.
# Installs only what is missing; needs root (or sudo) when something is.
set -eu
# python3-pytest and python3-torch: the Python package's tests and PyTorch layers (docs/python.md);
# bible-kjv (with bible-kjv-text): the text examples/cua-lm trains on.
PACKAGES="build-essential make perl openmpi-bin libopenmpi-dev libscalapack-openmpi-dev
libopenblas-dev liblapacke-dev libfftw3-dev librandom123-dev libjansson-dev
slurm-wlm python3-matplotlib python3-numpy python3-pytest python3-torch bible-kjv"
missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi
echo "install-deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
