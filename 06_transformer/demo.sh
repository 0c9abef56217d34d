#!/usr/bin/env bash
# 06_transformer/demo.sh - claims C17-C21: the worked example, multi-head attention, order and
# positional encoding, the encoder-decoder (on a synthetic task; chapter 05's tasks for C20 come with
# that chapter) and a GPT on English and Chinese characters. FULL=1 trains longer and larger.
source "$(dirname "$0")/../scripts/demo-lib.sh"
T="$BIN/transformer"
# Threads that spin while waiting for each other crawl on a machine shared with other busy programs
# (measured here: 2 threads 50x slower than 1 under a load of 6); waiting passively costs little.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

banner "C17: self-attention step by step, the article's worked example"
run "$T" example

banner "C18: multi-head attention, 8 heads of 3 dims on 4-dim inputs"
run "$T" heads

banner "C19: self-attention ignores word order unless positions are added"
run "$T" order

banner "C20 (the architecture): the encoder-decoder transformer learns to reverse digit strings"
if [ -n "$FULL" ]; then
    run "$T" reverse --dim 64 --layers 2 --train 50000 --epochs 10 --lr-factor 2 --name 06_reverse
else
    run "$T" reverse --seconds 20 --epochs 100 --name 06_reverse
fi

banner "C21: a GPT (decoder-only transformer) on Shakespeare's characters"
if [ -n "$FULL" ]; then
    run "$T" gpt --corpus data/en/tinyshakespeare.txt --dim 128 --layers 4 --context 128 --batch 32 \
        --seconds 600 --eval-every 500 --prompt "ROMEO:" --save out/06_gpt_en.safetensors --name 06_gpt_en
else
    run "$T" gpt --corpus data/en/tinyshakespeare.txt --seconds 25 --prompt "ROMEO:" \
        --save out/06_gpt_en.safetensors --name 06_gpt_en
fi
run "$T" sample --load out/06_gpt_en.safetensors --prompt "JULIET:" --sample-len 200

banner "C21: the same GPT on the characters of 红楼梦"
if [ -n "$FULL" ]; then
    run "$T" gpt --corpus data/zh/hongloumeng.txt --min-count 3 --dim 128 --layers 4 --context 128 --batch 32 \
        --seconds 600 --eval-every 500 --prompt "宝玉" --save out/06_gpt_zh.safetensors --name 06_gpt_zh
else
    run "$T" gpt --corpus data/zh/hongloumeng.txt --min-count 3 --seconds 25 --prompt "宝玉" --sample-len 150 \
        --name 06_gpt_zh
fi

finish 06_transformer
