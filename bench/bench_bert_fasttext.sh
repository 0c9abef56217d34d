#!/usr/bin/env bash
# bench_bert_fasttext.sh - chapter 07's fine-tuned BERT against fastText's supervised classifier
# (Debian package `fasttext`) on exactly the same train/test splits (issue 8's second target).
#   make bench-bert_fasttext      (or: BIN=bin bash bench/bench_bert_fasttext.sh, after make all)
#   MODEL=DIR ...                 the pretrained model to fine-tune (default: out/07_bert_full, the
#                                 model of FULL=1 make demo-07; pretrained here first with the same
#                                 recipe, 07_bert/recipe.sh, if it is missing: about 12 minutes)
#   EPOCHS=N ...                  fine-tuning epochs for BERT (default 3); SECONDS_BUDGET=S instead
#   LR=X ...                      BERT's peak fine-tuning rate, the same from both starts (default 3e-4)
#   SETS="sms zh" ...             which data sets (default both)
#   SIZES="0 2000" ...            training-set sizes of the four novels: 0 = all 20,000, N = the first
#                                 N (the same N for fastText); pretraining matters most with few labels
#
# Splits: SMS spam: lines 5, 10, 15, ... of data/cls/sms-spam.tsv are the test set (awk 'NR%5==0',
# the same as 'bert finetune --test-every 5'), the rest trains; four novels: the given
# .train.tsv / .test.tsv. fastText needs tokens: the English text is lower-cased with punctuation
# split off; the Chinese text becomes characters separated by spaces (BERT's Chinese models also
# see one token per character). fastText runs twice: its defaults (5 epochs, lr 0.1, unigrams) and
# a tuned setting (25 epochs, lr 0.5, word bigrams). BERT: --pool cls, pretrained and from scratch
# with the same budget. Printed: test accuracy and macro F1 of each, and BERT - fastText.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
BERT=$BIN/bert
[ -x "$BERT" ] || { echo "bench_bert_fasttext: $BERT not built (make all)"; exit 1; }
if ! command -v fasttext >/dev/null 2>&1; then
  echo "bench_bert_fasttext: fasttext is not installed (apt-get install fasttext, or scripts/install-deps.sh bench); skipped"
  exit 0
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
MODEL=${MODEL:-out/07_bert_full}
EPOCHS=${EPOCHS:-3}
LR=${LR:-3e-4}
SETS=${SETS:-sms zh}
SIZES=${SIZES:-0 2000}
source 07_bert/recipe.sh
BUDGET=(--epochs "$EPOCHS")
[ -n "${SECONDS_BUDGET:-}" ] && BUDGET=(--seconds "$SECONDS_BUDGET" --epochs 100)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# ---- the splits, written once, read by both programs -----------------------------------------------
awk 'NR % 5 != 0' data/cls/sms-spam.tsv > "$T/sms.train.tsv"
awk 'NR % 5 == 0' data/cls/sms-spam.tsv > "$T/sms.test.tsv"
cp data/cls/zh-four-classics.train.tsv "$T/zh.train.tsv"
cp data/cls/zh-four-classics.test.tsv "$T/zh.test.tsv"
ft_en() { awk -F'\t' '{ t = tolower($2); gsub(/[[:punct:]]/, " & ", t); print "__label__" $1 " " t }'; }
ft_zh() { # every character a token: split the UTF-8 text between characters (perl knows UTF-8)
  perl -CSD -F'\t' -lane '$t = join(" ", grep { !/\s/ } split(//, $F[1])); print "__label__$F[0] $t"'
}
for s in train test; do
  ft_en < "$T/sms.$s.tsv" > "$T/sms.$s.ft"
  ft_zh < "$T/zh.$s.tsv" > "$T/zh.$s.ft"
done
for n in $SIZES; do # the first n training sentences of the novels (both programs read the same lines)
  [ "$n" = 0 ] && continue
  head -n "$n" "$T/zh.train.tsv" > "$T/zh$n.train.tsv"; head -n "$n" "$T/zh.train.ft" > "$T/zh$n.train.ft"
  cp "$T/zh.test.tsv" "$T/zh$n.test.tsv"; cp "$T/zh.test.ft" "$T/zh$n.test.ft"
done

# ---- a pretrained model -------------------------------------------------------------------------------------
if [ ! -f "$MODEL/config.json" ]; then
  echo "pretraining $MODEL first, as FULL=1 make demo-07 does (MODEL=DIR to use another model)"
  mkdir -p out
  "$BERT" corpus --inputs "$(bert_corpus_inputs)" --out "$T/corpus.txt" --doc-lines 20 --exclude "$BERT_TEST_SET" >&2
  "$BERT" pretrain --corpus "$T/corpus.txt" --out "$MODEL" "${BERT_FULL_SHAPE[@]}" "${BERT_FULL_TRAIN[@]}" --seed 1 >/dev/null
fi

echo "BERT ($MODEL, $(grep -o '"num_hidden_layers": [0-9]*' "$MODEL/config.json" | grep -o '[0-9]*$') layers, hidden" \
  "$(grep -o '"hidden_size": [0-9]*' "$MODEL/config.json" | grep -o '[0-9]*$'); fine-tuned ${BUDGET[*]}, batch 32," \
  "max-seq-len 64, lr $LR from both starts) against fastText, same splits, $OMP_NUM_THREADS threads"

# ft_run NAME ARGS...: train and test fastText, print "accuracy seconds"
ft_run() {
  local name=$1; shift
  local t0=$EPOCHREALTIME
  fasttext supervised -input "$T/$name.train.ft" -output "$T/$name.ft" -thread 2 -seed 1 -verbose 0 "$@"
  local acc
  acc=$(fasttext test "$T/$name.ft.bin" "$T/$name.test.ft" | awk '/^P@1/ { print $2 }')
  awk -v a="$acc" -v t0="$t0" -v t1="$EPOCHREALTIME" 'BEGIN { printf "%.4f %.1f", a, t1 - t0 }'
}
# bert_run NAME INIT: fine-tune, print "accuracy macroF1 seconds"
bert_run() {
  local name=$1 init=$2 t0=$EPOCHREALTIME out
  out=$("$BERT" finetune --model "$MODEL" --init "$init" --train "$T/$name.train.tsv" --test "$T/$name.test.tsv" \
          "${BUDGET[@]}" --batch 32 --max-seq-len 64 --lr "$LR" --scratch-lr "$LR" --quiet 2>/dev/null)
  local acc f1
  acc=$(echo "$out" | sed -n 's/^accuracy=//p')
  f1=$(echo "$out" | sed -n 's/.*macro F1 \([0-9.]*\).*/\1/p' | tail -n 1)
  awk -v a="$acc" -v f="$f1" -v t0="$t0" -v t1="$EPOCHREALTIME" 'BEGIN { printf "%.4f %.4f %.1f", a, f, t1 - t0 }'
}

printf '\n%-12s %-38s %9s %9s %8s\n' "set" "classifier" "accuracy" "macro-F1" "seconds"
names=""
for set in $SETS; do
  if [ "$set" = zh ]; then for n in $SIZES; do names="$names zh$([ "$n" = 0 ] || echo "$n")"; done
  else names="$names $set"; fi
done
for name in $names; do
  case $name in sms) label="SMS spam" ;; zh) label="four novels" ;; *) label="novels ${name#zh}" ;; esac
  read -r fa ft <<< "$(ft_run $name)"
  printf '%-12s %-38s %9s %9s %8s\n' "$label" "fastText (defaults)" "$fa" "-" "$ft"
  read -r fa2 ft2 <<< "$(ft_run $name -epoch 25 -lr 0.5 -wordNgrams 2)"
  printf '%-12s %-38s %9s %9s %8s\n' "$label" "fastText (25 epochs, lr 0.5, bigrams)" "$fa2" "-" "$ft2"
  read -r ba bf bt <<< "$(bert_run $name pretrained)"
  printf '%-12s %-38s %9s %9s %8s\n' "$label" "BERT fine-tuned (pretrained)" "$ba" "$bf" "$bt"
  read -r sa sf st <<< "$(bert_run $name scratch)"
  printf '%-12s %-38s %9s %9s %8s\n' "$label" "BERT (random init, same budget)" "$sa" "$sf" "$st"
  awk -v b="$ba" -v s="$sa" -v f="$fa" -v f2="$fa2" -v n="$label" 'BEGIN {
    printf "%-12s pretrained - scratch %+.4f; pretrained - fastText %+.4f (defaults), %+.4f (tuned)\n", n, b - s, b - f, b - f2 }'
done
