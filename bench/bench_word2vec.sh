#!/usr/bin/env bash
# bench_word2vec.sh - chapter 02's skip-gram against fastText (Debian package `fasttext`), same
# corpus, same settings, timed in the same run.
#   make bench-word2vec        (or: BIN=bin bash bench/bench_word2vec.sh, after make all)
#   RUNS=5 ...                 runs per program (default 3): the median wall time, the mean scores
#
# Corpus: the King James Bible lower-cased with everything but letters turned into spaces (one
# verse a line), so that both programs see the very same words. Settings: skip-gram, dim 100,
# window 5, negative 5, sample 1e-3, min-count 5, 5 epochs, 2 threads, learning rate 0.05
# (fastText's default); fastText without sub-words (-minn 0 -maxn 0). Wall time is the whole
# command (reading, training, saving), measured alternately so that both share the machine's
# load alike. Quality, scored by bin/word2vec on both sets of vectors: Spearman on MEN and top-1
# accuracy on Mikolov's questions-words, over the pairs and questions each covers.
# Targets (issue 3): wall time <= 0.7 x fastText's; Spearman no more than 0.03 below, analogy
# top-1 no more than 3 points below.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
RUNS=${RUNS:-3}
W2V=$BIN/word2vec
[ -x "$W2V" ] || { echo "bench_word2vec: $W2V not built (make all)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
tr 'A-Z' 'a-z' < data/en/kjv.txt | sed 's/[^a-z]/ /g' > "$T/kjv.txt"
MEN=data/eval/en/EN-MEN-TR-3k.txt
QW=data/eval/en/word2vec-questions-words.txt
have_ft=1
command -v fasttext >/dev/null 2>&1 || have_ft=0

echo "word2vec benchmark: skip-gram on the King James Bible ($(wc -w < "$T/kjv.txt") words, letters only,"
echo "lower-cased), dim 100, window 5, negative 5, sample 1e-3, min-count 5, 5 epochs, 2 threads, lr 0.05;"
echo "$RUNS runs each, alternating; OMP_NUM_THREADS and the machine's load as they are ($(nproc) cores)."

# secs CMD...: run, print the wall seconds
secs() {
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}
scores() { # VECTORS -> "spearman covered accuracy covered"
  local s a
  s=$("$W2V" similarity --vectors "$1" --pairs "$MEN" | tail -n 1)
  a=$("$W2V" analogy --vectors "$1" --questions "$QW" | tail -n 1)
  echo "$s $a" | sed -E 's/spearman=([^ ]+) covered=([^ ]+) accuracy=([^ ]+) covered=([^ ]+)/\1 \2 \3 \4/'
}

: > "$T/ours.txt"
: > "$T/ft.txt"
for r in $(seq 1 "$RUNS"); do
  t=$(secs "$W2V" train --corpus "$T/kjv.txt" --out "$T/ours.bin" --dim 100 --window 5 --negative 5 \
        --sample 1e-3 --min-count 5 --epochs 5 --threads 2 --alpha 0.05 --seed "$r" --quiet)
  echo "$t $(scores "$T/ours.bin")" >> "$T/ours.txt"
  printf '  run %d: word2vec (this chapter) %6.2f s' "$r" "$t"
  if [ $have_ft = 1 ]; then
    t=$(secs fasttext skipgram -input "$T/kjv.txt" -output "$T/ft" -dim 100 -ws 5 -neg 5 -t 1e-3 \
          -minCount 5 -epoch 5 -thread 2 -lr 0.05 -minn 0 -maxn 0 -seed "$r" -verbose 0)
    echo "$t $(scores "$T/ft.vec")" >> "$T/ft.txt"
    printf ',  fastText %6.2f s' "$t"
  fi
  echo
done

# summary FILE -> "median_time mean_spearman mean_accuracy covered_pairs covered_questions"
summary() {
  sort -n -k1,1 "$1" | awk '{ t[NR] = $1; s += $2; a += $4; cp = $3; cq = $5 }
    END { m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2;
          printf "%.3f %.4f %.4f %s %s", m, s / NR, a / NR, cp, cq }'
}
read -r o_t o_s o_a o_cp o_cq <<< "$(summary "$T/ours.txt")"
echo
echo "| program | wall time (median) | time / fastText | MEN Spearman (pairs) | analogy top-1 (questions) |"
echo "|---|---|---|---|---|"
if [ $have_ft = 1 ]; then
  read -r f_t f_s f_a f_cp f_cq <<< "$(summary "$T/ft.txt")"
  awk -v t="$f_t" -v s="$f_s" -v a="$f_a" -v cp="$f_cp" -v cq="$f_cq" \
    'BEGIN { printf "| fastText 0.9.2 (Debian) skipgram | %.2f s | 1.00 | %.4f (%s) | %.2f%% (%s) |\n", t, s, cp, 100 * a, cq }'
fi
awk -v t="$o_t" -v s="$o_s" -v a="$o_a" -v cp="$o_cp" -v cq="$o_cq" -v ft="${f_t:-0}" \
  'BEGIN { printf "| word2vec (this chapter) skip-gram | %.2f s | %s | %.4f (%s) | %.2f%% (%s) |\n", t,
           (ft > 0 ? sprintf("%.2f", t / ft) : "-"), s, cp, 100 * a, cq }'
if [ $have_ft = 1 ]; then
  awk -v ot="$o_t" -v ft="$f_t" -v os="$o_s" -v fs="$f_s" -v oa="$o_a" -v fa="$f_a" 'BEGIN {
    r = ot / ft; ds = os - fs; da = 100 * (oa - fa)
    printf "\ntime ratio %.2f (target <= 0.70: %s); Spearman %+.4f (target >= -0.03: %s); analogy %+.2f points (target >= -3: %s)\n",
      r, (r <= 0.7 ? "met" : "NOT met"), ds, (ds >= -0.03 ? "met" : "NOT met"), da, (da >= -3 ? "met" : "NOT met") }'
else
  echo "fasttext is not installed (apt-get install fasttext, or make deps-bench): no baseline to compare with."
fi
