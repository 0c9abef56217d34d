#!/usr/bin/env bash
# 03_nnlm/demo.sh - claims C6-C8: smoothed n-grams against Bengio's neural language model.
# The default run trains each NNLM for a short while (about 90 s in all); FULL=1 runs the
# 10-minute English training behind the README's perplexity table.
source "$(dirname "$0")/../scripts/demo-lib.sh"
# Threads that spin while they wait for each other make training many times slower on a machine
# shared with other busy programs; waiting threads sleep instead unless you say otherwise.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

if [ -n "$FULL" ]; then
    EN_TRAIN=(--minutes 10 --epochs 30 --max-order 8)
    ZH_TRAIN=(--minutes 5 --epochs 30 --min-count 3)
else
    EN_TRAIN=(--minutes 0.5 --samples 3)
    ZH_TRAIN=(--minutes 0.3 --samples 3 --min-count 5)
fi

banner "C6 + C8 (English): Kneser-Ney 2- to 5-grams against the NNLM on the King James Bible"
echo "What to notice: the perplexity table (lower is better), the mixture's gain over the best n-gram,"
echo "then the one-hot product that equals the lookup bit for bit at a fraction of the time."
run "$BIN/nnlm" --corpus data/en/kjv.txt "${EN_TRAIN[@]}" --name 03_nnlm_en

banner "C6 (Chinese, words): the same on 红楼梦 segmented into words"
echo "What to notice: the same ordering of the models on a very different language and text."
run "$BIN/nnlm" --corpus data/zh/hongloumeng.words.txt "${ZH_TRAIN[@]}" --temperature 0.7 --name 03_nnlm_zh

banner "C7: 北京 seen after a context, 上海 only elsewhere: what each model gives 上海"
echo "What to notice: the n-gram model treats 上海 like any other word of its frequency; the NNLM"
echo "gives it a real share, because its vector ended up next to 北京's."
run "$BIN/nnlm" --cities

finish 03_nnlm
