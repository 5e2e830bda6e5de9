#!/bin/sh
# Install the Debian 12 packages libnn needs, if any is missing.
# Uses sudo when not run as root. With --extras, also what the comparisons
# with scikit-learn (bench/compare_sklearn.py) and PyTorch
# (bench/compare_torch.py) and --plot (gnuplot) use.
set -eu
pkgs="cmake gcc clang make pkg-config libopenblas-dev liblapacke-dev libcmocka-dev python3-numpy valgrind libclang-rt-dev"
# libnn_mpi (NN_WITH_MPI), its tests and nn train --mpi.
pkgs="$pkgs libopenmpi-dev openmpi-bin"
# ONNX export (NN_WITH_ONNX: protobuf-c and protoc-c), its test (python3-onnx)
# and the C++ compilation of exported headers (g++).
pkgs="$pkgs libprotobuf-c-dev protobuf-c-compiler python3-onnx g++"
if [ "${1:-}" = "--extras" ]; then
    pkgs="$pkgs python3-sklearn python3-torch gnuplot-nox"
fi
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "libnn: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
