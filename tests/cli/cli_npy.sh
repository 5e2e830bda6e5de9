#!/bin/sh
# nn on NumPy .npy files: training from X.npy and y.npy gives the model the
# same values as CSV give (the same predictions, row for row, for a
# classifier and a regression), nn eval and nn predict read .npy, nn predict
# --out FILE.npy writes what its CSV says, and each bad file or option gets
# a message naming it, with the tool's exit status.
# Usage: cli_npy.sh NN NPY_CSV NPY_DATA_DIR WORKDIR
#   NPY_CSV  tests/cli/npy_csv.c: CSV <-> .npy through the library
#   NPY_DATA_DIR  tests/data/npy (numpy's own files: Fortran order, ...)
set -u
nn=$1
conv=$2
npy=$3
dir=$4
# NN_GEMM auto picks its GEMM path by timing, which changes a weight's last
# bits from run to run: one fixed path makes two trainings comparable bit
# for bit.
NN_GEMM=small
export NN_GEMM
. "$(dirname "$0")/lib.sh"
workdir "$dir"

# Values a CSV holds exactly (multiples of 1/16), so both files give the
# model the same doubles: 3 features, a class 0..2, two regression targets.
awk 'BEGIN { for (i = 0; i < 240; i++) {
    a = (i * 37 % 64) / 16 - 2; b = (i * 11 % 48) / 16 - 1.5; c = (i % 7) / 4
    k = a + b > 0.5 ? 2 : a + b > -0.5 ? 1 : 0
    printf "%s,%s,%s,%d,%s,%s\n", a, b, c, k, a * b / 4 + c, a - b / 2 } }' > all.csv
cut -d, -f1-3 all.csv > x.csv
cut -d, -f1-4 all.csv > cls.csv
cut -d, -f1-3,5,6 all.csv > reg.csv
cut -d, -f4 all.csv > k.csv
cut -d, -f5,6 all.csv > t.csv
check 'x.npy written' "$conv" to-npy x.csv x.npy
check 'k.npy written' "$conv" to-npy k.csv k.npy
check 't.npy written' "$conv" to-npy t.csv t.npy
"$conv" to-csv x.npy > x_back.csv
check 'x.npy holds x.csv exactly' sh -c 'awk -F, -v OFS=, "{ \$1 = \$1 + 0; print }" x.csv |
    cmp -s - x_back.csv'

# same_numbers TOL A B: the same numbers (|a - b| <= TOL * max(1, |a|)),
# file against file
same_numbers() {
    awk -F, -v tol="$1" 'NR == FNR { for (j = 1; j <= NF; j++) v[FNR, j] = $j; n = FNR; next }
        { for (j = 1; j <= NF; j++) { d = v[FNR, j] - $j; m = $j < 0 ? -$j : $j
              if (d < 0) d = -d; if (d > tol * (m > 1 ? m : 1)) bad++ } rows = FNR }
        END { exit bad || rows != n || rows == 0 }' "$2" "$3"
}
# same_report A B: two result lines alike but for the seconds they took
same_report() {
    sed 's/, [0-9.]* s]/]/' "$1" > "$1.r" && sed 's/, [0-9.]* s]/]/' "$2" > "$2.r" &&
        cmp -s "$1.r" "$2.r"
}

# ---- classify: X.npy + integer labels = the CSV, prediction for prediction
opts='--epochs 15 --seed 3 --hidden 8 --quiet'
"$nn" train --data cls.csv $opts --out c_csv.nnet > c_csv.txt 2>&1
"$nn" train --data x.npy --labels k.npy $opts --out c_npy.nnet > c_npy.txt 2>&1
check 'classify: the same test score' same_report c_csv.txt c_npy.txt
check 'classify: the same model, byte for byte' cmp -s c_csv.nnet c_npy.nnet
"$nn" predict c_csv.nnet --data x.csv --proba > p_csv.csv 2>&1
"$nn" predict c_npy.nnet --data x.npy --proba > p_npy.csv 2>&1
check 'classify: the same predictions from x.npy as from x.csv' cmp -s p_csv.csv p_npy.csv
check 'classify: a label per row' test "$(wc -l < p_npy.csv)" -eq 241
# eval on .npy: the same report as on the CSV, but for the file's name
"$nn" eval c_csv.nnet --data cls.csv > e_csv.txt 2>&1
"$nn" eval c_npy.nnet --data x.npy --labels k.npy > e_npy.txt 2>&1
check 'eval: the same report on .npy as on CSV' sh -c \
    'sed "s/cls\.csv/DATA/g" e_csv.txt > a; sed "s/x\.npy/DATA/g" e_npy.txt > b; cmp -s a b'
expect 0 'accuracy' -- eval c_npy.nnet --data x.npy --labels k.npy
expect 0 'accuracy' -- eval c_npy.nnet --data x.npy --labels k.npy --split
expect 0 'accuracy' -- eval c_npy.nnet --test x.npy --labels k.npy
# nn sweep on .npy
expect 0 'mean acc' -- sweep --data x.npy --labels k.npy --from 3 --to 6 --trials 1 --epochs 3
# a separate test set, as .npy
expect 0 'test accuracy' -- train --data x.npy --labels k.npy --test x.npy \
    --test-labels k.npy $opts
# predict --out FILE.npy: the CSV's columns but the first (the class index,
# then the probabilities), as float64
expect 0 '240 rows written to p.npy' -- predict c_npy.nnet --data x.npy --proba --out p.npy
"$conv" to-csv p.npy > p_back.csv
tail -n +2 p_csv.csv | cut -d, -f2- > p_want.csv
# (the CSV's probabilities have 6 digits)
check 'classify: p.npy holds the CSV predictions' same_numbers 1e-5 p_want.csv p_back.csv
check 'classify: p.npy has 1 + 3 columns' test "$(head -1 p_back.csv | tr , '\n' | wc -l)" -eq 4
expect 0 'rows written' -- predict c_npy.nnet --data x.csv --out c.npy
"$conv" to-csv c.npy > c_back.csv
tail -n +2 p_csv.csv | cut -d, -f2 > c_want.csv
check 'classify: without --proba, the class index alone' cmp -s c_want.csv c_back.csv

# ---- regression: X.npy + an n x 2 target array = the CSV
"$nn" train --data reg.csv --task regress --targets 2 $opts --out r_csv.nnet > r_csv.txt 2>&1
"$nn" train --data x.npy --labels t.npy --task regress $opts --out r_npy.nnet > r_npy.txt 2>&1
check 'regress: the same test score' same_report r_csv.txt r_npy.txt
check 'regress: the same model, byte for byte' cmp -s r_csv.nnet r_npy.nnet
"$nn" predict r_csv.nnet --data x.csv > q_csv.csv 2>&1
"$nn" predict r_npy.nnet --data x.npy > q_npy.csv 2>&1
check 'regress: the same predictions from x.npy as from x.csv' cmp -s q_csv.csv q_npy.csv
expect 0 'R\^2' -- eval r_npy.nnet --data x.npy --labels t.npy
expect 0 '240 rows written to q.npy' -- predict r_npy.nnet --data x.npy --out q.npy
"$conv" to-csv q.npy > q_back.csv
tail -n +2 q_csv.csv | cut -d, -f2- > q_want.csv
# (the CSV's values have 10 digits)
check 'regress: q.npy holds the CSV predictions' same_numbers 1e-9 q_want.csv q_back.csv
# a 1-D target file is one target
cut -d, -f1 t.csv > t1.csv
"$conv" to-npy t1.csv t1.npy
expect 0 'test R\^2' -- train --data x.npy --labels t1.npy --task regress $opts
# multilabel: 0/1 targets; --out FILE.npy holds 0/1 per label, then --proba's
awk -F, '{ print ($1 > 0), ($2 > 0) }' OFS=, x.csv > ml.csv
"$conv" to-npy ml.csv ml.npy
expect 0 'subset accuracy' -- train --data x.npy --labels ml.npy --task multilabel $opts \
    --out m.nnet
expect 0 'rows written' -- predict m.nnet --data x.npy --proba --out ml_p.npy
"$conv" to-csv ml_p.npy > ml_back.csv
check 'multilabel: 2 labels + 2 probabilities' \
    test "$(head -1 ml_back.csv | tr , '\n' | wc -l)" -eq 4

# numpy reads what nn wrote (when /usr/bin/python3 has numpy)
if /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
    check 'numpy reads p.npy: 240 x 4 float64' /usr/bin/python3 -c '
import sys, numpy as np
a = np.load("p.npy")
sys.exit(not (a.shape == (240, 4) and a.dtype == np.float64 and set(a[:, 0]) <= {0, 1, 2}))'
else
    echo "SKIP: no numpy in /usr/bin/python3, p.npy not read by numpy"
fi

# ---- mistakes: usage errors (2) naming the flag
expect 2 'x.npy is a .npy file, which holds no labels: --labels FILE.npy is required' -- \
    train --data x.npy
expect 2 '--labels FILE.npy is required' -- eval c_npy.nnet --data x.npy
expect 2 '--labels FILE.npy is required' -- sweep --data x.npy
expect 2 '--labels is for .npy data, but --data cls.csv is CSV' -- \
    train --data cls.csv --labels k.npy
expect 2 '--labels is for .npy data, but --data moons' -- train --labels k.npy
expect 2 '--labels is for .npy data' -- eval c_csv.nnet --data cls.csv --labels k.npy
expect 2 '--labels is not an option of this command' -- predict c_npy.nnet --data x.npy \
    --labels k.npy
expect 1 't1.npy has 1 target column but t.npy has 2' -- train --data x.npy --labels t.npy \
    --task regress --test x.npy --test-labels t1.npy $opts
expect 2 '--test x.npy is a .npy file.*--test-labels FILE.npy is required' -- \
    train --data x.npy --labels k.npy --test x.npy
expect 2 '--test-labels needs --test FILE.npy' -- train --data x.npy --labels k.npy \
    --test-labels k.npy
for flag in --header '--delimiter ;' '--label-col 2' '--targets 2'; do
    # shellcheck disable=SC2086 # the flag and its value, two words
    expect 2 "${flag%% *} applies to CSV data, but --data x.npy is a .npy file" -- \
        train --data x.npy --labels t.npy --task regress $flag
done
expect 2 '--id-col applies to CSV data' -- predict c_npy.nnet --data x.npy --id-col 1
expect 2 '--no-labels applies to CSV data' -- predict c_npy.nnet --data x.npy --no-labels
# an option given with its default is no mistake
expect 0 'test accuracy' -- train --data x.npy --labels k.npy --delimiter , --label-col last \
    $opts
expect 2 '--mpi reads CSV data' -- train --data x.npy --labels k.npy --mpi
expect 2 '--out k.npy is the same file as --labels k.npy' -- \
    train --data x.npy --labels k.npy --out k.npy
# .npy by its magic bytes, whatever its name
cp x.npy features.bin
expect 2 'features.bin is a .npy file' -- train --data features.bin

# ---- bad files: a failure (1), naming the file
"$conv" to-npy x.csv x239.npy 2> /dev/null
head -239 k.csv > k239.csv
"$conv" to-npy k239.csv k239.npy
expect 1 'x.npy has 240 rows but k239.npy has 239' -- train --data x.npy --labels k239.npy
expect 1 'labels_f.npy.*(whole number|integer)' -- \
    train --data "$npy/le_f8.npy" --labels "$npy/labels_f.npy"
expect 1 'hint: for real-valued targets use --task regress' -- \
    train --data "$npy/le_f8.npy" --labels "$npy/labels_f.npy"
expect 1 'fortran.npy.*Fortran' -- train --data "$npy/fortran.npy" --labels "$npy/labels.npy"
expect 1 'fortran.npy.*Fortran' -- predict c_npy.nnet --data "$npy/fortran.npy"
head -c 200 x.npy > short.npy
expect 1 'short.npy: truncated' -- train --data short.npy --labels k.npy
expect 1 'short.npy: truncated' -- predict c_npy.nnet --data short.npy
expect 1 'short.npy: truncated' -- train --data x.npy --labels short.npy
expect 1 'missing.npy' -- train --data missing.npy --labels k.npy
expect 1 'le_f8.npy has 2 columns, the model takes 3 features' -- \
    predict c_npy.nnet --data "$npy/le_f8.npy"
expect 1 'has 2 columns, the model takes 3 features' -- \
    eval c_npy.nnet --data "$npy/le_f8.npy" --labels "$npy/labels.npy"
"$nn" train --data x.npy --labels t1.npy --task regress $opts --out rr.nnet > /dev/null 2>&1
expect 1 't.npy has 2 columns, the model has 1 output' -- \
    eval rr.nnet --data x.npy --labels t.npy
check 'a failed --out FILE.npy leaves no file' sh -c \
    '! "$1" predict c_npy.nnet --data short.npy --out bad.npy 2> /dev/null && test ! -e bad.npy' \
    sh "$nn"
check 'no temporary file left' sh -c '! ls -a | grep -q "\.tmp"'

finish
