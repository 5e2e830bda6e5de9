#!/bin/sh
# nn's defaults and its words: the model learns from every training row,
# nn eval scores a whole file, and each usual mistake gets a message in the
# user's words (exit status, and the words that must appear).
# Usage: cli_defaults.sh NN WORKDIR
set -u
nn=$1
dir=$2
. "$(dirname "$0")/lib.sh"
workdir "$dir"

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

# ---- messages: each usual mistake, in the user's words
expect 2 "unknown option '--hiden': did you mean --hidden\\?" -- train --hiden 3
expect 2 "unknown option '--dat': did you mean --data\\?" -- eval m.nnet --dat d.csv
expect 2 "unknown option '--zzzzzzzz' \\(nn train --help lists them\\)" -- train --zzzzzzzz
expect 2 "bad value 'foo' for --task: expected classify, multilabel or regress" -- train --task foo
refuse 2 'expected T' -- train --task foo
expect 2 "bad value 'x' for --lr: expected a number above 0" -- train --lr x
refuse 2 'expected X' -- train --lr x
expect 2 "bad value '0' for --batch: expected a whole number above 0" -- train --batch 0
# a header line without --header
expect 1 'the first line of d.csv looks like a header: add --header' -- train --data d.csv
expect 1 'the first line of unlabelled.csv looks like a header: add --header' -- \
    predict m.nnet --data unlabelled.csv
refuse 1 'id-col' -- predict m.nnet --data unlabelled.csv
expect 0 '^refit on all 180 training rows for [0-9]+ epochs' -- \
    train --data d.csv --header --verbose --max-epochs 3
tr ',' ';' < d.csv > semi.csv
expect 1 "semi.csv seems to be ';'-separated: add --delimiter ';'" -- train --data semi.csv --header
refuse 1 'task regress|n_targets|no_labels' -- train --data semi.csv --header
tr ',' '\t' < d.csv > tab.csv
expect 1 "tab.csv seems to be 'tab'-separated: add --delimiter 'tab'" -- train --data tab.csv --header
expect 0 'test accuracy' -- train --data semi.csv --header --delimiter ';' --epochs 2
# label columns that do not fit: the options' words, not the library's fields
expect 1 '--label-col 9, but d.csv has 4 columns' -- train --data d.csv --header --label-col 9
refuse 1 'label_column|n_targets' -- train --data d.csv --header --label-col 9
# a file of the wrong width for the model: both widths
cut -d, -f1,2,4 d.csv > narrow.csv
expect 1 'narrow.csv has 3 columns, the model takes 3 features \(\+1 label column\)' -- \
    eval m.nnet --data narrow.csv --header
refuse 1 'expected a number|found' -- eval m.nnet --data narrow.csv --header
cut -d, -f1,2 d.csv > two.csv
expect 1 'two.csv has 2 columns, the model takes 3 features \(--no-labels\)' -- \
    predict m.nnet --data two.csv --header --no-labels
# no library function names, no path twice
expect 1 'nn: cannot open missing.nnet' -- eval missing.nnet --data d.csv
refuse 1 'nn_net_load|missing.nnet.*missing.nnet' -- eval missing.nnet --data d.csv
refuse 1 'nn_[a-z_]+:|missing.csv.*missing.csv' -- train --data missing.csv
# places in a file are its lines, counting the header line
printf 'width,height,depth,kind\n1,2,3,small\n4,5,6,huge\n' > unknown.csv
expect 1 'unknown.csv: line 3 has the class .huge., which the model does not have' -- \
    eval m.nnet --data unknown.csv --header

# ---- help and outputs
check 'nn help train = nn train --help' sh -c '[ "$("$1" help train)" = "$("$1" train --help)" ]' sh "$nn"
expect 0 '--optimizer O +sgd, momentum or adam \(sgd\)' -- sweep --help
expect 0 '--init I +he, xavier, normal or orthogonal \(normal' -- help sweep
expect 2 "nn help: unknown command 'trian'" -- help trian
awk 'BEGIN { srand(3); print "a,b,const,price,weight"
    for (i = 0; i < 120; i++) { a = rand(); b = rand()
        printf "%.4f,%.4f,1,%.4f,%.4f\n", a, b, a + 2 * b, a - b } }' > r.csv
expect 0 'column 3 \(const\)' -- train --data r.csv --header --task regress --targets 2 \
    --epochs 20 --out r.nnet
expect 0 '^row,price,weight' -- predict r.nnet --data r.csv --header
expect 0 'mean R\^2' -- sweep --data r.csv --header --task regress --targets 2 --from 3 --to 3 \
    --trials 1 --epochs 2

finish
