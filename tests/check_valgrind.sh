#!/usr/bin/env bash
# check_valgrind.sh - one small end-to-end run of every chapter's program under valgrind's memcheck
# (issue 9): no invalid read or write, no use of uninitialised memory, no definite leak.
# Built apart (build/valgrind) without -march=native, whose AVX-512 instructions valgrind cannot
# run, and without OpenMP, whose thread pool valgrind reports as "possibly lost".
#
#   tests/check_valgrind.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind > /dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
V="NATIVE=0 OMP=0 BUILD=build/valgrind BIN=build/valgrind/bin"
make -s $V $(for p in onehot word2vec nnlm rnn seq2seq transformer bert; do echo build/valgrind/bin/$p; done) > /dev/null
B=build/valgrind/bin
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
head -n 300 data/en/kjv.txt > "$T/en.txt"
head -n 100 data/zh/hongloumeng.txt > "$T/zh.txt"
failed=0
vg() {
    local name=$1
    shift
    if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --log-file="$T/vg.log" "$@" > /dev/null 2> "$T/err.log"; then
        echo "valgrind ok: $name"
    else
        echo "valgrind FAILED: $name (exit $?)"
        head -n 40 "$T/vg.log" "$T/err.log"
        failed=1
    fi
}
vg "01 onehot" $B/onehot --corpus "$T/en.txt" --out "$T" --ascii
vg "02 word2vec train + neighbors" $B/word2vec train --corpus "$T/en.txt" --out "$T/v.bin" --dim 16 --min-count 1 --epochs 1 --threads 1
vg "02 word2vec neighbors" $B/word2vec neighbors --vectors "$T/v.bin" --top 3 god
vg "03 nnlm" $B/nnlm --corpus "$T/en.txt" --max-order 3 --context 3 --dim 8 --hidden 16 --epochs 1 --samples 1 --out "$T" --ascii
vg "04 rnn train (LSTM)" $B/rnn train --corpus "$T/zh.txt" --cell lstm --hidden 16 --embed 8 --seq 16 --batch 4 --steps 3 \
    --save "$T/r.safetensors" --sample-len 20 --out "$T" --ascii
vg "04 rnn sample" $B/rnn sample --load "$T/r.safetensors" --length 20
vg "05 seq2seq lengths" $B/seq2seq lengths --attention dot --hidden 16 --emb 8 --steps 3 --out "$T" --ascii
vg "06 transformer example" $B/transformer example
vg "06 transformer gpt" $B/transformer gpt --corpus "$T/zh.txt" --dim 16 --heads 2 --layers 1 --context 16 --batch 2 \
    --steps 3 --save "$T/g.safetensors" --sample-len 10 --out "$T" --ascii
vg "06 transformer sample" $B/transformer sample --load "$T/g.safetensors" --sample-len 10
vg "07 bert pretrain" $B/bert pretrain --corpus "$T/en.txt" --out "$T/bm" --layers 1 --hidden 16 --heads 2 \
    --intermediate 32 --vocab-size 300 --max-seq-len 32 --batch 4 --steps 3 --warmup 1 --doc-lines 10
vg "07 bert fill-mask" $B/bert fill-mask --model "$T/bm" --text "and god said [MASK]"
vg "07 bert finetune + predict" $B/bert finetune --model "$T/bm" --train data/cls/sms-spam.tsv --train-limit 40 \
    --test-limit 20 --steps 2 --max-seq-len 32 --quiet --out "$T/ft"
exit $failed
