#!/bin/sh
# Write the man page nn.1 (man(7) macros) from the tool's own option table,
# the one docs/cli.md's tables come from (nn --markdown-options). The build
# runs it once nn is linked; cmake --install installs the page into man1.
# Usage: sh tools/gen_man.sh NN OUT [VERSION] [DOCDIR]
#   NN       the built nn            OUT     the page to write (nn.1)
#   VERSION  libnn's version         DOCDIR  where cmake --install puts the docs
set -eu
nn=$1 out=$2 version=${3:-} docdir=${4:-/usr/local/share/doc/libnn}
table=$out.options.md
"$nn" --markdown-options > "$table"
grep -q '^### nn ' "$table" || { echo "gen_man.sh: $nn --markdown-options printed no commands" >&2; exit 1; }

# From the table: the synopsis (mode s), the commands (c) or the options (o).
# Its text is escaped for troff: a backslash, an option's dashes (\-, so that
# they render as ASCII and can be searched for), a leading dot or quote.
from_table() {
    awk -v mode="$1" '
    function esc(s,   out, i, c, opt) {
        out = ""; opt = 0
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            if (c == "-" && (i == 1 || opt || substr(s, i - 1, 1) ~ /[ (\[|,=]/)) {
                out = out "\\-"; opt = 1; continue
            }
            opt = 0
            out = out (c == "\\" ? "\\e" : c)
        }
        return out
    }
    function text(s) { s = esc(s); return (s ~ /^[.\047]/ ? "\\&" s : s) }
    # A usage: its options in bold, placeholders (MODEL, FILE.h) in italics.
    function usage_args(s,   n, w, i, out) {
        n = split(s, w, " "); out = ""
        for (i = 1; i <= n; i++)
            out = out " " (w[i] ~ /^[A-Z][A-Z]+(\.[a-z]+)?$/ ? "\\fI" w[i] "\\fR" : \
                           w[i] ~ /^-/ ? "\\fB" esc(w[i]) "\\fR" : esc(w[i]))
        return out
    }
    # "`nn train [options]        what it does`": usage and what, apart.
    /^`nn [a-z]+/ {
        line = $0; gsub(/^`|`$/, "", line)
        cut = match(line, /[^ ]  +[^ ]/)
        usage = substr(line, 1, cut); what = substr(line, cut + 1); sub(/^ +/, "", what)
        split(usage, w, " "); cmd = w[1] " " w[2]; rest = substr(usage, length(cmd) + 1)
        if (mode == "s") print "\\fB" cmd "\\fR" usage_args(rest)
        if (mode == "c") { print ".TP"; print "\\fB" cmd "\\fR" usage_args(rest); print text(what) }
        next
    }
    mode == "o" && /^### nn / { sub(/^### /, ""); print ".SS \"" $0 "\""; next }
    # "| `--data moons\|FILE` | what it does |"
    mode == "o" && /^\| `/ {
        line = $0; sub(/^\| /, "", line); sub(/ \|$/, "", line)
        split(line, cell, / \| /)
        opt = cell[1]; what = cell[2]
        gsub(/`/, "", opt); gsub(/\\\|/, "|", opt); gsub(/\\\|/, "|", what); gsub(/`/, "", what)
        name = opt; arg = ""
        if (index(opt, " ")) { name = substr(opt, 1, index(opt, " ") - 1); arg = substr(opt, index(opt, " ") + 1) }
        print ".TP"
        print "\\fB" esc(name) "\\fR" (arg == "" ? "" : " \\fI" esc(arg) "\\fR")
        print text(what)
    }' "$table"
}

{
    printf '.TH NN 1 "" "libnn %s" "libnn manual"\n' "$version"
    cat <<'EOF'
.SH NAME
nn \- train, evaluate, use and export multilayer perceptrons on CSV or .npy files
.SH SYNOPSIS
.nf
EOF
    from_table s
    cat <<'EOF'
\fBnn\fR \fICOMMAND\fR \fB\-\-help\fR
\fBnn \-\-version\fR
.fi
.SH DESCRIPTION
.B nn
takes a CSV file to a trained model, scores it on a held\-out test split,
predicts new rows, and exports the model as a self\-contained C header or an
ONNX model, without writing C.
It is the command\-line side of libnn, a C library for training multilayer
perceptrons on the CPU.
.PP
A data file has one row per line, the same number of fields on every line and
an optional header line (\fB\-\-header\fR).
Features are decimal numbers; the label is the last column unless
\fB\-\-label\-col\fR says otherwise.
Columns are numbered from 1 in options and in every error message
(\fIfile\fR:\fIline\fR:\fIfield\fR).
Class labels may be integers or names, which the model keeps;
\fB\-\-task multilabel \-\-targets\fR \fIN\fR reads \fIN\fR columns of 0/1,
\fB\-\-task regress\fR real\-valued targets.
.PP
NumPy \fI.npy\fR files (by their name, or NumPy's magic bytes) hold the
features, with the labels or targets in a second file:
\fB\-\-data\fR \fIX.npy\fR \fB\-\-labels\fR \fIy.npy\fR;
\fBpredict \-\-out\fR \fIFILE.npy\fR writes the predictions as float64 \fI.npy\fR.
.PP
The model carries its preprocessing: \fBnn train\fR fits a standardizer on the
training rows and stores it in the model, so \fBeval\fR, \fBpredict\fR and exported
models take raw features.
With \fB\-\-epochs auto\fR (the default) training stops early on a validation
split of the training rows and keeps the best epoch's weights.
\fB\-\-data moons\fR (the default of \fBtrain\fR and \fBsweep\fR) is the tutorial's
data set, scikit\-learn's make_moons with 5000 rows.
.SH COMMANDS
EOF
    from_table c
    cat <<'EOF'
.SH OPTIONS
Each command takes the options listed under it, and \fB\-h\fR, \fB\-\-help\fR to
print them.
EOF
    from_table o
    cat <<'EOF'
.SH EXIT STATUS
.TP
.B 0
success
.TP
.B 1
a failure of the data, training or a file; the message names the file, line
and field, or the flag
.TP
.B 2
a usage error: an unknown option, a bad or missing value; the message names
the flag
.SH FILES
EOF
    cat <<EOF
.TP
.I $docdir/examples/data
EOF
    cat <<'EOF'
sample data: \fIiris.csv\fR (species names as labels), \fIiris_new.csv\fR
(unlabelled rows for \fBpredict\fR), \fIdiabetes.csv\fR (regression) and
\fItags.csv\fR (multi\-label, synthetic); its \fIREADME.md\fR names each file's
source and license.
They are \fIexamples/data\fR in the source tree.
EOF
    cat <<EOF
.TP
.I $docdir
EOF
    cat <<'EOF'
the documentation: \fIREADME.md\fR, \fICHANGELOG.md\fR and \fIdocs/*.md\fR.
.SH EXAMPLES
From a writable directory, with \fId\fR the sample data's directory
(\fIexamples/data\fR in the source tree):
.PP
.RS 4
.nf
EOF
    printf 'd=%s/examples/data\n' "$docdir"
    cat <<'EOF'
nn train \-\-data $d/iris.csv \-\-header \-\-out iris.nnet
nn eval iris.nnet \-\-data $d/iris.csv \-\-header
nn predict iris.nnet \-\-data $d/iris_new.csv \-\-header \-\-proba \-\-out pred.csv
nn train \-\-data $d/diabetes.csv \-\-header \-\-task regress \-\-hidden 64,64
nn train \-\-data $d/tags.csv \-\-header \-\-task multilabel \-\-targets 3
nn export iris.nnet \-\-c iris.h \-\-prefix iris
mpirun \-np 2 nn train \-\-data $d/iris.csv \-\-header \-\-mpi \-\-out iris_mpi.nnet
.fi
.RE
.PP
\fBtrain\fR prints the test score; \fBeval\fR the accuracy, loss, confusion
matrix and per\-class F1 on the same test rows; \fBpredict\fR one CSV line per
input row; \fBexport\fR writes \fIiris.h\fR, which needs only a C compiler and
libm (\fB\-\-onnx\fR \fIiris.onnx\fR for an ONNX model, when libnn was built
with ONNX support).
.SH SEE ALSO
.BR mpirun (1)
.PP
EOF
    cat <<EOF
In $docdir:
\\fIdocs/cli.md\\fR (the tool, every option), \\fIdocs/export.md\\fR,
\\fIdocs/mpi.md\\fR, \\fIdocs/model\\-format.md\\fR, \\fIdocs/api.md\\fR (the C API),
\\fIREADME.md\\fR.
EOF
} > "$out.tmp"
rm -f "$table"
mv "$out.tmp" "$out"
