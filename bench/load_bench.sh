#!/bin/sh
# The load benchmark: generate a CSV of ROWS x COLS features with string
# labels (and the same data as .npy), then time and measure the peak RSS of
# nn_load_csv and nn_load_npy_dataset (bench/load_bench, each load in a
# child process), numpy's np.loadtxt and np.load on the same files, and
# nn_load_csv_mpi on 2 ranks (peak RSS per rank).
#
#   sh bench/load_bench.sh BUILD_DIR [DATA_DIR] [ROWS] [COLS] [RUNS]
#
# Defaults: DATA_DIR /tmp/nn_load_bench, 600000 rows, 40 columns (a CSV of
# about 230 MB), 3 runs. The files are generated once (by
# bench/load_numpy.py) and kept. Needs /usr/bin/python3 with numpy, and
# mpirun for the 2-rank part (skipped when load_bench was built without
# MPI).
set -eu
build=${1:?usage: load_bench.sh BUILD_DIR [DATA_DIR] [ROWS] [COLS] [RUNS]}
data=${2:-/tmp/nn_load_bench}
rows=${3:-600000}
cols=${4:-40}
runs=${5:-3}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
bench=$build/bench/load_bench

if [ ! -f "$data/data.csv" ] || [ ! -f "$data/y.npy" ]; then
    echo "generating $data ($rows x $cols) ..." >&2
    "$py" "$here/load_numpy.py" gen "$data" "$rows" "$cols"
fi
ls -l "$data"

echo "== libnn, one process =="
"$bench" --csv "$data/data.csv" --header --npy "$data/x.npy" "$data/y.npy" --runs "$runs"

echo "== numpy $("$py" -c 'import numpy; print(numpy.__version__)') =="
printf 'np.loadtxt (x and labels, one pass): '
"$py" "$here/load_numpy.py" loadtxt "$data" 1
printf 'np.load (x.npy and y.npy):           '
"$py" "$here/load_numpy.py" load "$data" "$runs"

echo "== nn_load_csv_mpi, 2 ranks =="
if command -v mpirun >/dev/null 2>&1; then
    flags=""
    mpirun --version 2>/dev/null | grep -q "Open MPI" && flags="--allow-run-as-root --oversubscribe"
    # shellcheck disable=SC2086
    OPENBLAS_NUM_THREADS=1 mpirun $flags -np 2 "$bench" --mpi --csv "$data/data.csv" --header ||
        echo "(load_bench built without MPI: skipped)"
fi
