#!/bin/sh
# nn's defaults and its words: the model learns from every training row,
# nn eval scores a whole file, and each usual mistake gets a message in the
# user's words (exit status, and the words that must appear).
# Usage: cli_defaults.sh NN WORKDIR
set -u
nn=$1
dir=$2
rm -rf "$dir" && mkdir -p "$dir" || exit 1
. "$(dirname "$0")/lib.sh"
cd "$dir" || exit 1

# 240 rows, 3 named classes, a header
awk 'BEGIN { srand(7); print "width,height,depth,kind"
    for (i = 0; i < 240; i++) { k = i % 3
        printf "%.3f,%.3f,%.3f,%s\n", k + rand() * 1.6, 2 * k - rand() * 2.5, rand(),
            k == 0 ? "small" : k == 1 ? "medium" : "large" } }' > d.csv
cut -d, -f1-3 d.csv > unlabelled.csv

# ---- --epochs auto: the model is refit on every training row
expect 0 'then refit on all 180 training rows' -- train --data d.csv --header --out m.nnet
expect 0 'best validation loss at' -- train --data d.csv --header --patience 5
expect 0 'refit on all 240 training rows' -- train --data d.csv --header --test-fraction 0
expect 0 'no test score' -- train --data d.csv --header --test-fraction 0
expect 2 '--test-fraction 0 leaves no test rows' -- sweep --test-fraction 0
expect 0 '60 epochs a run' -- train --data d.csv --header --epochs 60 --runs 2
expect 0 'saved r.nnet \(run 1, seed 1\)' -- train --data d.csv --header --epochs 5 --runs 2 --out r.nnet
head -41 d.csv > small.csv
expect 0 'the validation split has 6 rows' -- train --data small.csv --header --patience 5

# ---- nn eval: the whole file; --split reproduces train's test split
expect 0 '\[240 rows of d.csv\]' -- eval m.nnet --data d.csv --header
expect 0 '\[240 rows of d.csv\]' -- eval m.nnet --data d.csv --header --all
expect 0 '\[240 rows of d.csv\]' -- eval m.nnet --test d.csv --header
expect 0 '\[60 rows of the test split of d.csv\]' -- eval m.nnet --data d.csv --header --split
expect 2 'nn eval: --data FILE is required' -- eval m.nnet
expect 2 'give one' -- eval m.nnet --data d.csv --test d.csv
# the split's score is the one train printed
train_acc=$("$nn" train --data d.csv --header --quiet | sed -n 's/^test accuracy \([0-9.]*\).*/\1/p')
split_acc=$("$nn" eval m.nnet --data d.csv --header --split | sed -n 's/^accuracy \([0-9.]*\).*/\1/p')
check "eval --split $split_acc = train's $train_acc" test -n "$train_acc" -a "$train_acc" = "$split_acc"
# the whole file's score is the accuracy of nn predict on its unlabelled copy
"$nn" predict m.nnet --data unlabelled.csv --header > pred.csv
tail -n +2 pred.csv | cut -d, -f2 > pred.labels
tail -n +2 d.csv | cut -d, -f4 > true.labels
from_predict=$(paste -d' ' true.labels pred.labels |
    awk '{ n++; ok += $1 == $2 } END { printf "%.5f", ok / n }')
whole=$("$nn" eval m.nnet --data d.csv --header | sed -n 's/^accuracy \([0-9.]*\).*/\1/p')
check "eval of the whole file ($whole) = accuracy from predict ($from_predict)" \
    test -n "$whole" -a "$whole" = "$from_predict"

finish
