#!/usr/bin/env bash
# 05_seq2seq_attention/demo.sh - claims C13-C16: an RNN encoder-decoder with and without attention,
# on a synthetic task whose input length we control and on Tatoeba English -> Chinese.
# FULL=1 trains every variant for minutes instead of seconds (the README's quality figures).
source "$(dirname "$0")/../scripts/demo-lib.sh"
S="$BIN/seq2seq"
# Threads that spin while they wait for each other crawl on a machine shared with other busy
# programs; waiting passively costs little when the machine is idle.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
say() { printf '\n>>> %s\n' "$*"; }

banner "C14: one fixed context vector is a bottleneck (synthetic task: reverse a string of letters)"
if [ -n "$FULL" ]; then
    run "$S" lengths --attention none,dot,additive --steps 3000 --print-every 1000
else
    run "$S" lengths --attention none,dot --steps 1200 --print-every 400
fi
say "Both models train on the same strings for the same number of steps. Without attention the" \
    "decoder sees the input only through the encoder's last state, and its accuracy falls to zero as" \
    "the strings grow; with attention it looks back at every input position and stays far higher" \
    "(out/05_lengths_accuracy_by_length.png, one curve per model)."

banner "C13 + C15: English -> Chinese characters on Tatoeba (29,155 pairs, CC-BY 2.0 FR)"
if [ -n "$FULL" ]; then
    # Every variant gets the same 240 s of CPU time (wall-clock time would count waiting on a busy
    # machine). One thread, as for the README's figures: a second one costs CPU time in waiting.
    OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} run "$S" translate --attention none,dot,additive --hidden 256 --steps 0 --cpu-seconds 240 --cosine \
        --print-every 500 --beam 5 --beam-sentences 400 \
        --heatmap "I didn't know that he was a doctor." --translate "We will go to Beijing tomorrow."
else
    run "$S" translate --attention additive --hidden 128 --steps 1400 --print-every 350 --examples 6 \
        --heatmap "I didn't know that he was a doctor."
fi
say "Two RNNs turn a sentence of English words into a sentence of Chinese characters of another" \
    "length (C13): the decoder decides when to stop by writing <eos>. The heatmap" \
    "(out/05_translate_attention.png) shows, for every character written, how the attention weights" \
    "spread over the English words (C15): 我 looks at i, 他 at he, 医生 at doctor. The short default run" \
    "gives rough translations; FULL=1 trains all three variants for 4 CPU minutes each and compares" \
    "their BLEU, overall and by sentence length (out/05_translate_bleu_by_length.png)."

banner "C16: an RNN is sequential, so time grows with the length whatever the number of cores"
run "$S" timing --lengths 10,20,40,80,160 --repeats 3
say "Time per sequence doubles with its length, with one thread or two: step t needs step t-1's" \
    "state, so the steps of one sequence cannot run side by side. Only more sequences at once (the" \
    "batch column) use the hardware better. Chapter 06's transformer handles all positions at once."

finish 05_seq2seq_attention
