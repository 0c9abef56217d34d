#!/usr/bin/env bash
# 04_rnn_lstm/demo.sh - claims C9-C12: recurrent networks trained by backpropagation through time.
#   C9  a character LSTM language model trains and samples text (English and Chinese)
#   C10 gradients vanish through time in a vanilla RNN, far less in an LSTM or GRU
#   C11 an LSTM/GRU learns a dependency L steps back that a vanilla RNN does not
#   C12 a bidirectional LSTM LM (ELMo) gives a word different vectors in different sentences
# FULL=1 runs the long versions: the 10-minute LSTM behind the README's quality target, longer
# Chinese and word-level models, more training for C10-C12.
source "$(dirname "$0")/../scripts/demo-lib.sh"

# OpenMP threads that spin while they wait for each other turn a machine shared with other busy
# programs into a crawl (measured here: 20x slower); waiting passively costs little when it is idle.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
mkdir -p out

if [ -n "$FULL" ]; then
    # the README's quality target: 10 minutes of training, then the best validation loss
    EN="--time 600 --eval-every 250 --dropout 0.1 --anneal 0.3 --eval-tokens 0"
    ZH="--time 300 --eval-every 500" GN_STEPS=600 LR_STEPS=1500 LR_LENGTHS=10,20,40,80,120,160
    ELMO="--steps 0 --time 180"
else
    EN="--time 20 --eval-every 60 --eval-tokens 20000" ZH="--time 15 --eval-every 0"
    GN_STEPS=100 LR_STEPS=400 LR_LENGTHS=10,30,60
    ELMO="--steps 120"
fi

banner "C9 (English): a character LSTM learns tiny-shakespeare by truncated BPTT"
echo "Watch the loss fall (nats per character; ln 66 = 4.19 is a uniform guess) and the samples turn from"
echo "random characters into words, line breaks and speaker names. Validation is on the last 10%."
# shellcheck disable=SC2086
run "$BIN/rnn" train --corpus data/en/tinyshakespeare.txt --cell lstm --hidden 256 --embed 64 --batch 32 \
    --seq 100 --lr 0.003 --steps 0 $EN --sample-len 200 --save out/04_lstm_en.safetensors --name 04_rnn_en
echo
echo "The checkpoint samples again, at two temperatures (0: always the most likely character):"
run "$BIN/rnn" sample --load out/04_lstm_en.safetensors --prompt "First Citizen:" --temperature 0.6 --length 200
run "$BIN/rnn" sample --load out/04_lstm_en.safetensors --prompt "The " --temperature 0 --length 120

banner "C9 (Chinese): the same model on the characters of 红楼梦"
echo "About 3,000 different characters (those seen 5 times or more; the rarest 0.4% of the text becomes"
echo "<unk>) instead of 66: a uniform guess costs ln 2984 = 8.0 nats."
# shellcheck disable=SC2086
run "$BIN/rnn" train --corpus data/zh/hongloumeng.txt --cell lstm --hidden 256 --embed 64 --batch 32 \
    --seq 50 --lr 0.003 --steps 0 $ZH --min-count 5 --val-frac 0.05 --prompt "宝玉" --sample-len 80 --temperature 0.7 \
    --save out/04_lstm_zh.safetensors --name 04_rnn_zh
run "$BIN/rnn" sample --load out/04_lstm_zh.safetensors --prompt "黛玉笑道" --temperature 0.7 --length 100

if [ -n "$FULL" ]; then
    banner "C9 (words): the same code path on words, to compare with chapter 03"
    run "$BIN/rnn" train --corpus data/en/tinyshakespeare.txt --unit words --min-count 3 --cell lstm \
        --hidden 256 --embed 128 --batch 32 --seq 35 --steps 0 --time 300 --eval-every 300 \
        --sample-len 60 --save out/04_lstm_words.safetensors --name 04_rnn_words
fi

banner "C10: the vanishing gradient, measured"
echo "Three models train the same number of steps on the same text; then a loss at the last of 100 steps"
echo "is sent back through time and |dLoss/dh_t| is printed against the distance from that loss."
run "$BIN/rnn" gradnorm --corpus data/en/tinyshakespeare.txt --seq 100 --hidden 128 --steps "$GN_STEPS" \
    --name 04_gradnorm

banner "C11: remembering one symbol across L steps"
echo "The matrices here are 64 wide: one thread is faster than two waking each other 100 times a sequence."
run env OMP_NUM_THREADS=1 "$BIN/rnn" longrange --lengths "$LR_LENGTHS" --steps "$LR_STEPS" --name 04_longrange

banner "C12: ELMo - a bidirectional LSTM language model gives context-dependent word vectors"
# shellcheck disable=SC2086
run "$BIN/rnn" elmo --corpus data/en/tinyshakespeare.txt $ELMO --name 04_elmo

finish 04_rnn_lstm
