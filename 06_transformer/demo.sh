#!/usr/bin/env bash
# 06_transformer/demo.sh - claims C17-C21: the worked example, multi-head attention, order and
# positional encoding, the encoder-decoder beside chapter 05's RNN with attention on chapter 05's
# tasks (C20), and a GPT beside chapter 04's LSTM on the same characters (C21). FULL=1 trains for
# minutes instead of seconds (the README's quality figures).
source "$(dirname "$0")/../scripts/demo-lib.sh"
T="$BIN/transformer"
# Threads that spin while waiting for each other crawl on a machine shared with other busy programs
# (measured here: 2 threads 50x slower than 1 under a load of 6); waiting passively costs little.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
say() { printf '\n>>> %s\n' "$*"; }
# C21 compares with chapter 04's LSTM: its program too
[ -x "$BIN/rnn" ] || make --no-print-directory -s BIN="$BIN" "$BIN/rnn"

banner "C17: self-attention step by step, the article's worked example"
run "$T" example

banner "C18: multi-head attention, 8 heads of 3 dims on 4-dim inputs"
run "$T" heads

banner "C19: self-attention ignores word order unless positions are added"
run "$T" order

banner "C20: the transformer beside chapter 05's RNN with attention, the same time each, Tatoeba English -> Chinese"
HEAT="I didn't know that he was a doctor."
if [ -n "$FULL" ]; then
    run "$T" translate --seconds 300 --heatmap "$HEAT" --name 06_translate
    # the same CPU time instead (one thread, as chapter 05's FULL runs): fair on a machine shared with other work
    OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} run "$T" translate --seconds 0 --cpu-seconds 240 --heatmap "$HEAT" \
        --name 06_translate_cpu
else
    run "$T" translate --seconds 15 --examples 4 --heatmap "$HEAT" --name 06_translate
fi
say "One command trains chapter 05's GRU encoder-decoder with additive attention, then the transformer," \
    "for the same wall-clock time on the same split, and scores both with chapter 05's BLEU code. The" \
    "table gives the time per epoch of each: the transformer computes every position of a sentence at" \
    "once. Seconds are too few for either to translate; FULL=1 gives each 5 minutes, then 4 CPU" \
    "minutes (the README's figures). The heatmaps out/06_translate_attention_head*.png show where each head of the last" \
    "decoder block looks while writing each character."

banner "C20 on chapter 05's synthetic task: reverse strings of letters, accuracy against length"
if [ -n "$FULL" ]; then
    # the same CPU time for both (60 s, one thread): on a shared machine the wall clock would count waiting
    OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} run "$T" translate --task reverse --seconds 0 --cpu-seconds 60 --norm pre \
        --dim 64 --dropout 0 --warmup 50 --lr-factor 0.5 --examples 3 --name 06_synth
else
    run "$T" translate --task reverse --max-len 12 --test-per-len 20 --seconds 8 --norm pre --dim 64 --dropout 0 \
        --warmup 50 --lr-factor 0.5 --examples 2 --name 06_synth
fi
say "The same two models on chapter 05's strings (out/06_synth_accuracy_by_length.png, one curve each)."

banner "C21: a GPT beside chapter 04's LSTM, similar size, the same time, the same characters"
if [ -n "$FULL" ]; then S=300; else S=10; fi
run "$BIN/rnn" train --corpus data/en/tinyshakespeare.txt --cell lstm --hidden 128 --embed 64 --steps 0 --time "$S" \
    --eval-every 0 --print-every 50 --prompt "ROMEO:" --sample-len 200 --name 06_lstm_en
run "$T" gpt --corpus data/en/tinyshakespeare.txt --seconds "$S" --eval-every 0 --prompt "ROMEO:" --sample-len 200 \
    --save out/06_gpt_en.safetensors --name 06_gpt_en
run "$T" sample --load out/06_gpt_en.safetensors --prompt "JULIET:" --sample-len 200
say "Both hold out the last 10% of tiny-shakespeare and report the loss on all of it in nats per" \
    "character (ln 66 = 4.19 is a uniform guess): compare the two 'held-out' lines and the samples."

if [ -n "$FULL" ]; then
    banner "C21: the GPT on the characters of 红楼梦"
    run "$T" gpt --corpus data/zh/hongloumeng.txt --min-count 3 --seconds 300 --eval-every 500 --prompt "宝玉" \
        --sample-len 150 --name 06_gpt_zh
    banner "The encoder-decoder on digit strings: attention finds the mirrored position"
    run "$T" reverse --dim 64 --layers 2 --train 50000 --epochs 10 --lr-factor 2 --name 06_reverse
fi

finish 06_transformer
