#!/usr/bin/env bash
# check_bad_input.sh - every program fed bad input (issue 9): a subcommand without its required
# arguments, unknown flags, absurd sizes, missing files, directories, empty files, binary garbage,
# invalid UTF-8, truncated and corrupted checkpoints and vector files. Each case must end with
# exit status 1 or 2 and a short message on stderr (at most 3 lines), within 60 s, without a
# crash or a sanitizer report, and without leaving the output file it was asked to write.
#
#   tests/check_bad_input.sh [BIN]      BIN: the programs' folder (bin; build/asan/bin under ASan)
set -u
BIN=${1:-${BIN:-bin}}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
tried=0
failed=0

# expect DESCRIPTION [--creates PATH] -- PROGRAM ARGS...
expect() {
    local desc=$1 creates="" input=/dev/null
    shift
    if [ "$1" = "--creates" ]; then creates=$2; shift 2; fi
    if [ "$1" = "--stdin" ]; then input=$2; shift 2; fi
    shift # --
    tried=$((tried + 1))
    rm -f "$T/stderr"
    timeout 60 "$@" > /dev/null 2> "$T/stderr" < "$input"
    local rc=$? why=""
    local lines
    lines=$(wc -l < "$T/stderr")
    if [ $rc -eq 124 ]; then why="hung (killed after 60 s)"
    elif [ $rc -ne 1 ] && [ $rc -ne 2 ]; then why="exit status $rc"
    elif [ ! -s "$T/stderr" ]; then why="no message"
    elif grep -qE 'Sanitizer|runtime error|Segmentation|Aborted' "$T/stderr"; then why="sanitizer report"
    elif [ "$lines" -gt 3 ]; then why="a $lines-line message"
    elif [ -n "$creates" ] && [ -e "$creates" ]; then why="left $creates behind"
    fi
    if [ -n "$why" ]; then
        failed=$((failed + 1))
        echo "FAIL: $desc: $why"
        echo "      \$ ${*/#$T/\$T}"
        sed 's/^/      | /' "$T/stderr" | head -5
    fi
    [ -n "$creates" ] && rm -rf "$creates"
    return 0
}

# ---- inputs --------------------------------------------------------------------------------------
: > "$T/empty.txt"
head -c 4096 "$BIN/onehot" > "$T/garbage.bin"          # an executable's bytes: binary garbage
printf 'in the beginning \xff\xfe was the word\n' > "$T/invalid.txt"
mkdir "$T/dir"
for i in $(seq 1 200); do echo "the cat sat on the mat and the dog sat on the log $i"; done > "$T/small.txt"
printf 'Hi.\t嗨。\tCC-BY 2.0 (France) Attribution: tatoeba.org\n' > "$T/one_field_short.tsv"
printf 'only one field\n' > "$T/bad.tsv"

# Good files to damage: vectors and checkpoints written by the programs themselves.
"$BIN/word2vec" train --corpus "$T/small.txt" --out "$T/v.bin" --dim 8 --min-count 1 --epochs 1 --threads 1 > /dev/null 2>&1
"$BIN/word2vec" train --corpus "$T/small.txt" --out "$T/v.txt" --format txt --dim 8 --min-count 1 --epochs 1 --threads 1 > /dev/null 2>&1
"$BIN/transformer" gpt --corpus "$T/small.txt" --dim 16 --heads 2 --layers 1 --context 8 --steps 2 --batch 2 \
    --save "$T/gpt.safetensors" --sample-len 1 --out "$T" --ascii > /dev/null 2>&1
"$BIN/rnn" train --corpus "$T/small.txt" --hidden 8 --embed 8 --seq 8 --batch 2 --steps 2 --save "$T/rnn.safetensors" \
    --sample-len 1 --out "$T" --ascii > /dev/null 2>&1
for f in v.bin v.txt gpt.safetensors rnn.safetensors; do
    [ -s "$T/$f" ] || { echo "FAIL: could not write the good file $f to damage"; exit 1; }
    size=$(stat -c %s "$T/$f")
    head -c $((size / 2)) "$T/$f" > "$T/trunc.$f"
    cp "$T/$f" "$T/corrupt.$f"
    printf '\x7f\x00\xff\x13' | dd of="$T/corrupt.$f" bs=1 seek=9 conv=notrunc 2> /dev/null   # into the header
done

# ---- the cases -----------------------------------------------------------------------------------
files="missing:$T/nope.txt dir:$T/dir empty:$T/empty.txt garbage:$T/garbage.bin invalid-utf8:$T/invalid.txt"

for p in onehot word2vec nnlm rnn seq2seq transformer; do
    expect "$p: unknown flag" -- "$BIN/$p" --no-such-flag
done
expect "rnn: unknown command" -- "$BIN/rnn" fly
expect "seq2seq: unknown command" -- "$BIN/seq2seq" fly
expect "transformer: unknown command" -- "$BIN/transformer" fly
expect "word2vec: unknown command" -- "$BIN/word2vec" fly

# required arguments
expect "word2vec train without --corpus" -- "$BIN/word2vec" train --out "$T/o.bin"
expect "word2vec train without --out" -- "$BIN/word2vec" train --corpus "$T/small.txt"
expect "word2vec neighbors without --vectors" -- "$BIN/word2vec" neighbors king
expect "rnn sample without --load" -- "$BIN/rnn" sample
expect "transformer sample without --load" -- "$BIN/transformer" sample
expect "a flag without its value" -- "$BIN/transformer" gpt --corpus

# absurd numbers
expect "onehot --dim 0" -- "$BIN/onehot" --dim 0
expect "word2vec --window -1" --creates "$T/o.bin" -- "$BIN/word2vec" train --corpus "$T/small.txt" --out "$T/o.bin" --window -1
expect "word2vec --dim 0" --creates "$T/o.bin" -- "$BIN/word2vec" train --corpus "$T/small.txt" --out "$T/o.bin" --dim 0
expect "word2vec --epochs 1e12" --creates "$T/o.bin" -- "$BIN/word2vec" train --corpus "$T/small.txt" --out "$T/o.bin" --epochs 1000000000000
expect "nnlm --epochs 1e12" -- "$BIN/nnlm" --corpus "$T/small.txt" --epochs 1000000000000
expect "nnlm --dim 0" -- "$BIN/nnlm" --corpus "$T/small.txt" --dim 0
expect "rnn --hidden 0" -- "$BIN/rnn" train --corpus "$T/small.txt" --hidden 0
expect "rnn --lr abc" -- "$BIN/rnn" train --corpus "$T/small.txt" --lr abc
expect "rnn --steps -5" -- "$BIN/rnn" train --corpus "$T/small.txt" --steps -5
expect "seq2seq --hidden 0" -- "$BIN/seq2seq" translate --hidden 0
expect "seq2seq --batch 1e12" -- "$BIN/seq2seq" translate --batch 1000000000000
expect "transformer --heads 3 for dim 16" -- "$BIN/transformer" gpt --corpus "$T/small.txt" --dim 16 --heads 3
expect "transformer --dim 0" -- "$BIN/transformer" gpt --corpus "$T/small.txt" --dim 0
expect "transformer --dropout 1.5" -- "$BIN/transformer" reverse --dropout 1.5
expect "transformer --temperature -1" -- "$BIN/transformer" sample --load "$T/gpt.safetensors" --temperature -1

# bad text files where a corpus is read
for kv in $files; do
    kind=${kv%%:*}
    f=${kv#*:}
    expect "onehot --corpus ($kind)" -- "$BIN/onehot" --corpus "$f" --out "$T/plots" --ascii
    expect "word2vec train --corpus ($kind)" --creates "$T/o.bin" -- "$BIN/word2vec" train --corpus "$f" --out "$T/o.bin"
    expect "nnlm --corpus ($kind)" -- "$BIN/nnlm" --corpus "$f" --ascii --out "$T/plots"
    expect "rnn train --corpus ($kind)" --creates "$T/o.safetensors" -- "$BIN/rnn" train --corpus "$f" --save "$T/o.safetensors" --ascii --out "$T/plots"
    expect "rnn elmo --corpus ($kind)" -- "$BIN/rnn" elmo --corpus "$f" --ascii --out "$T/plots"
    expect "transformer gpt --corpus ($kind)" --creates "$T/o.safetensors" -- "$BIN/transformer" gpt --corpus "$f" --save "$T/o.safetensors" --ascii --out "$T/plots"
    expect "seq2seq translate --data ($kind)" -- "$BIN/seq2seq" translate --data "$f" --ascii --out "$T/plots"
    expect "word2vec analogy --questions ($kind)" -- "$BIN/word2vec" analogy --vectors "$T/v.bin" --questions "$f"
    expect "word2vec similarity --pairs ($kind)" -- "$BIN/word2vec" similarity --vectors "$T/v.bin" --pairs "$f"
done
expect "seq2seq translate --data (a line with one field)" -- "$BIN/seq2seq" translate --data "$T/bad.tsv" --ascii --out "$T/plots"

# bad vector files and checkpoints
for kv in $files trunc-bin:$T/trunc.v.bin trunc-txt:$T/trunc.v.txt corrupt-bin:$T/corrupt.v.bin corrupt-txt:$T/corrupt.v.txt \
          other-model:$T/gpt.safetensors; do
    kind=${kv%%:*}
    f=${kv#*:}
    expect "word2vec neighbors --vectors ($kind)" -- "$BIN/word2vec" neighbors --vectors "$f" the
done
for kv in $files trunc:$T/trunc.gpt.safetensors corrupt:$T/corrupt.gpt.safetensors other-model:$T/rnn.safetensors; do
    kind=${kv%%:*}
    f=${kv#*:}
    expect "transformer sample --load ($kind)" -- "$BIN/transformer" sample --load "$f"
done
for kv in $files trunc:$T/trunc.rnn.safetensors corrupt:$T/corrupt.rnn.safetensors other-model:$T/gpt.safetensors; do
    kind=${kv%%:*}
    f=${kv#*:}
    expect "rnn sample --load ($kind)" -- "$BIN/rnn" sample --load "$f"
    expect "nnlm --load ($kind)" -- "$BIN/nnlm" --corpus "$T/small.txt" --load "$f" --ascii --out "$T/plots"
done

if [ -x "$BIN/bert" ] && [ -f 07_bert/bad_input.sh ]; then
    source 07_bert/bad_input.sh
fi

echo "bad input: $tried cases tried, $failed failed"
[ $failed -eq 0 ]
