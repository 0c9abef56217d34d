#!/usr/bin/env bash
# 07_bert/demo.sh - claims C22-C27, C29-C31: BERT pretrained from nothing on the King James Bible and
# the four classic novels (masked LM + next-sentence prediction), then its inputs, cloze answers, NSP
# accuracy, contextual vectors, cost, bidirectionality, and fine-tuning from [CLS].
source "$(dirname "$0")/../scripts/demo-lib.sh"
source "$(dirname "$0")/recipe.sh"
mkdir -p out
CORPUS=out/07_corpus.txt
M=out/07_bert_model
if [ -n "$FULL" ]; then
    M=out/07_bert_full # the quality run of the README (recipe.sh), about 12 minutes on 2 cores
    SHAPE=("${BERT_FULL_SHAPE[@]}")
    TRAIN=("${BERT_FULL_TRAIN[@]}")
else
    # about two minutes on 2 cores: 2 layers of 128, sequences of 64 tokens
    SHAPE=(--layers 2 --hidden 128 --heads 2 --intermediate 512 --vocab-size 6000 --min-count 5 --max-seq-len 64)
    TRAIN=(--batch 32 --steps 250 --warmup 25 --lr 1e-3)
fi

banner "The corpus: one sentence a line, a blank line between documents"
# The novels' paragraphs become documents (split into sentences at 。！？．); the Bible has one verse a
# line and no blank lines, so every 20 verses make a document. Mixed on purpose: one vocabulary, one
# model for English and Chinese, as BERT's multilingual model. The four-novels test sentences are
# left out, since C25 scores the model on them.
run "$BIN/bert" corpus --inputs "$(bert_corpus_inputs)" --out "$CORPUS" --doc-lines 20 --exclude "$BERT_TEST_SET"

banner "C23, C24: pretraining = masked LM (15% chosen: 80% [MASK], 10% random, 10% kept) + next sentence (50/50)"
run "$BIN/bert" pretrain --corpus "$CORPUS" --out "$M" "${SHAPE[@]}" "${TRAIN[@]}" --seed 1
echo ">> The WordPiece vocabulary was trained on the corpus first; mlm/nsp acc are the training batches',"
echo "   the 'held-out' line scores documents the model never saw."

banner "C22: BERT's input = token + segment + position embeddings (the paper's figure 2 pair)"
run "$BIN/bert" inputs --model "$M" --text "my dog is cute" --text-b "he likes playing" --dims 3
echo ">> Each row is the sum of three looked-up vectors; the segment vector is the same for all of A"
echo "   and changes at B; the position vector changes at every step. Then a layer norm."

banner "C23: cloze - the masked-LM head fills the blanks (English and Chinese)"
run "$BIN/bert" fill-mask --model "$M" --text "And God said, Let there be [MASK]: and there was light."
run "$BIN/bert" fill-mask --model "$M" --text "And the [MASK] spake unto Moses, saying,"
run "$BIN/bert" fill-mask --model "$M" --text "贾[MASK]玉听了，忙笑道："
run "$BIN/bert" fill-mask --model "$M" --text "王夫人笑[MASK]：“你们只管去罢。”"
echo ">> The probabilities are over the whole mixed vocabulary; the best guesses come from both sides."

banner "C24: next-sentence prediction on held-out documents"
run "$BIN/bert" eval --model "$M" --corpus "$CORPUS" --pairs 1000
echo ">> Half the pairs have a random B from another document: 50% is chance."

banner "C26: one vector per word (word2vec) against one per occurrence (BERT)"
W2V=out/02_word2vec_kjv_sg.bin
if [ ! -f "$W2V" ]; then
    W2V=out/07_word2vec_kjv.bin
    run "$BIN/word2vec" train --corpus data/en/kjv.txt --out "$W2V" --dim 50 --epochs 1
fi
run "$BIN/bert" senses --model "$M" --vectors "$W2V" --corpus data/en/kjv.txt --plot-word left \
    --sense-a "left hand|the left|on the left|to the left" --label-a "L" --label-b "v" --sentences 150 --name 07_senses_left
echo ">> 'left' is a side (L: 'the left hand') or a verb (v: 'he left them'). word2vec has one vector"
echo "   for both; BERT's last layer places each occurrence by its sentence (out/07_senses_left.png)."

banner "C29: \"it\" sees the words after it under BERT, not under a causal mask"
run "$BIN/bert" causal --model "$M"
echo ">> Same weights twice: bidirectional, 'it' differs between 'tired' and 'narrow'; with the causal"
echo "   mask of a left-to-right model (chapter 06's GPT) it is bit for bit the same."

banner "C27: what a step costs: time against max_seq_len, memory against batch size"
run "$BIN/bert" timing --layers 2 --hidden 128 --heads 2 --intermediate 512 --vocab-size 6000 \
    --lengths 32,64,128,256,512 --batch 8 --batches 4,8,16,32 --length 128 --steps 3 --threads 1 --name 07_cost
echo ">> Processor time of one thread, so other programs on the machine do not count. Per token a step"
echo "   costs least around 64-128 tokens (below, the fixed AdamW cost dominates) and more beyond: the"
echo "   attention scores grow as T^2. Memory grows by a fixed amount per sequence of the batch (the"
echo "   activations kept for the backward). Plots: out/07_cost_time.png, out/07_cost_memory.png."

banner "C25: fine-tuning from [CLS]: the pretrained model against random weights, same budget"
# the default: a short budget on 2,000 of the novels' sentences; FULL=1: the whole sets, 3 epochs, the
# settings of bench/bench_bert_fasttext.sh (which puts fastText beside them)
FTZ=(--train-limit 2000 --test-limit 1000 --steps 150 --max-seq-len 64 --lr 3e-4 --scratch-lr 3e-4)
if [ -n "$FULL" ]; then FT=(--epochs 3 --max-seq-len 64 --lr 3e-4 --scratch-lr 3e-4); FTC25=("${FT[@]}")
else FT=(--steps 200 --max-seq-len 64 --lr 3e-4 --scratch-lr 3e-4); FTC25=("${FTZ[@]}"); fi
run "$BIN/bert" finetune --model "$M" --init both --train data/cls/sms-spam.tsv --test-every 5 "${FT[@]}" \
    --quiet --out out/07_sms
run "$BIN/bert" predict --model out/07_sms/pretrained-cls \
    --text "FREE entry into our weekly competition! Text WIN to 80086 now to claim your prize. T&C apply"
run "$BIN/bert" finetune --model "$M" --init both --train data/cls/zh-four-classics.train.tsv \
    --test data/cls/zh-four-classics.test.tsv "${FTC25[@]}" --quiet
echo ">> Same architecture, same steps, same data: only the starting weights differ. The per-class"
echo "   F1 shows where the pretrained start helps (or, after a short pretraining, where it does not)."

banner "C31: classify from [CLS], from the mean of the tokens, or from the first token"
run "$BIN/bert" finetune --model "$M" --init pretrained --pool mean,first-token \
    --train data/cls/zh-four-classics.train.tsv --test data/cls/zh-four-classics.test.tsv "${FTZ[@]}" --quiet
echo ">> The [CLS] row is the default run's C25 above (pretrained; FULL=1's C25 uses the whole set)."
echo "   [CLS] has no meaning of its own: it is only as good as what fine-tuning teaches it to gather."

banner "C30: absolute against relative positions, pretrained on the same budget"
MR=out/07_bert_relative
run "$BIN/bert" pretrain --corpus "$CORPUS" --out "$MR" "${SHAPE[@]}" "${TRAIN[@]}" --seed 1 --position relative
run "$BIN/bert" shift --model "$M"
run "$BIN/bert" shift --model "$MR"
echo ">> The same phrase five tokens later, with attention kept off everything but the phrase: with"
echo "   absolute position embeddings every vector moves; with relative positions (Shaw et al.: attention"
echo "   sees only the distance between two tokens) nothing does. Compare the held-out MLM/NSP lines of"
echo "   the two pretrainings above."
if [ -n "$FULL" ]; then
    run "$BIN/bert" finetune --model "$MR" --init pretrained --train data/cls/zh-four-classics.train.tsv \
        --test data/cls/zh-four-classics.test.tsv "${FTZ[@]}" --quiet
fi

finish 07_bert
