#!/bin/sh
# Regenerate the fuzz seed corpus (tests/fuzz/corpus/{csv,load,predict,cli};
# npy gets the numpy-written files of tests/data/npy) from the library in
# this tree: model seeds are saved by nn_net_save, so
# re-run this after the model file format changes (and after the CSV loader
# gains options) and commit the result.
# Usage: tests/fuzz/make_corpus.sh [preset]   (release by default)
set -eu
cd "$(dirname "$0")/../.."
preset="${1:-release}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target fuzz_make_corpus >/dev/null
rm -rf tests/fuzz/corpus
"build/$preset/tests/fuzz/fuzz_make_corpus" tests/fuzz/corpus tests/data/v1_moons.nnet
mkdir -p tests/fuzz/corpus/npy
cp tests/data/npy/*.npy tests/fuzz/corpus/npy/
for d in tests/fuzz/corpus/*; do
    echo "$d: $(ls "$d" | wc -l) files"
done
