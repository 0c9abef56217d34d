#!/usr/bin/env bash
# bench_glove.sh - chapter 02's GloVe beside skip-gram trained for the same wall time, on the same
# corpus (issue 11's targets), and the bounded-memory counting against the in-memory one.
#   make bench-glove            (or: BIN=bin bash bench/bench_glove.sh, after make all)
#   THREADS=2 ...               training threads for both models (default 1: repeatable numbers)
#
# Corpus: the King James Bible as data/en/kjv.txt, tokenized by the program (the same vocabulary
# for both models: min-count 5). GloVe: window 10, dim 100, 15 epochs, x_max 100 and power 0.75
# (the paper's), and x_max 10 (for a small corpus). Skip-gram: dim 100, window 5, negative 5, and
# as many epochs as fit in GloVe's time (measured from a one-epoch run in this same run).
# Time is the CPU time (user + system) of the whole command - reading, counting, training, saving:
# on a machine shared with other jobs the wall clock of a one-thread run varies 2-3x from one
# minute to the next, its CPU time much less (the wall time is printed too). Peak memory is the
# process's peak resident size as the program reports it. Quality: Spearman on MEN and WS-353,
# top-1 on the small analogy set and on Mikolov's questions-words, over what each covers.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
THREADS=${THREADS:-1}
W2V=$BIN/word2vec
[ -x "$W2V" ] || { echo "bench_glove: $W2V not built (make all)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
CORPUS=data/en/kjv.txt

echo "GloVe benchmark on $CORPUS, $THREADS thread(s); the machine's load as it is ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))."
secs() { # LOG CMD...: run with output to LOG, print the CPU seconds (user + system); the wall
  local log=$1   # seconds go to LOG.wall
  shift
  /usr/bin/time -f "%U %S %e" -o "$log.time" "$@" > "$log" 2>&1
  awk '{ printf "%.2f", $1 + $2 }' "$log.time"
  awk '{ printf "%.2f", $3 }' "$log.time" > "$log.wall"
}
score() { # VECTORS -> "men ws simple qw"
  local men ws sa qw
  men=$("$W2V" similarity --vectors "$1" --pairs data/eval/en/EN-MEN-TR-3k.txt | sed -E 's/spearman=([^ ]+).*/\1/')
  ws=$("$W2V" similarity --vectors "$1" --pairs data/eval/en/EN-WS-353-ALL.txt | sed -E 's/spearman=([^ ]+).*/\1/')
  sa=$("$W2V" analogy --vectors "$1" --questions data/eval/en/simple-analogies-en.txt | tail -n 1 | sed -E 's/accuracy=([^ ]+).*/\1/')
  qw=$("$W2V" analogy --vectors "$1" --questions data/eval/en/word2vec-questions-words.txt | tail -n 1 | sed -E 's/accuracy=([^ ]+).*/\1/')
  echo "$men $ws $sa $qw"
}
mem() { grep -o 'peak memory .*' "$1" | cut -d' ' -f3-; }
row() { # NAME SECONDS LOG VECTORS BASE_SECONDS
  read -r men ws sa qw <<< "$(score "$4")"
  awk -v n="$1" -v t="$2" -v b="$5" -v w="$(cat "$3.wall")" -v m="$(mem "$3")" -v men="$men" -v ws="$ws" -v sa="$sa" \
    -v qw="$qw" 'BEGIN {
    printf "| %s | %.2f | %.2f | %.2f | %s | %.3f | %.3f | %.1f%% | %.1f%% |\n", n, t, t / b, w, m, men, ws, 100 * sa, 100 * qw }'
}

G=$(secs "$T/glove.log" "$W2V" train --model glove --corpus "$CORPUS" --out "$T/glove.bin" --threads "$THREADS" --quiet)
G10=$(secs "$T/glove10.log" "$W2V" train --model glove --x-max 10 --corpus "$CORPUS" --out "$T/glove10.bin" --threads "$THREADS" --quiet)
ONE=$(secs "$T/sg1.log" "$W2V" train --corpus "$CORPUS" --out "$T/sg1.bin" --epochs 1 --threads "$THREADS" --quiet)
EPOCHS=$(awk -v g="$G" -v o="$ONE" 'BEGIN { e = int(g / o + 0.5); print e < 1 ? 1 : e }')
SG=$(secs "$T/sg.log" "$W2V" train --corpus "$CORPUS" --out "$T/sg.bin" --epochs "$EPOCHS" --threads "$THREADS" --quiet)
SG5=$(secs "$T/sg5.log" "$W2V" train --corpus "$CORPUS" --out "$T/sg5.bin" --epochs 5 --threads "$THREADS" --quiet)
echo
grep -m1 co-occurrences "$T/glove.log"
echo "skip-gram: one epoch took $ONE CPU s, so $EPOCHS epochs match GloVe's $G CPU s"
echo
echo "| model | CPU s | CPU time / GloVe's | wall s | peak memory | MEN Spearman | WS-353 Spearman | simple analogies | questions-words |"
echo "|---|---|---|---|---|---|---|---|---|"
row "GloVe, x_max 100, 15 epochs" "$G" "$T/glove.log" "$T/glove.bin" "$G"
row "GloVe, x_max 10, 15 epochs" "$G10" "$T/glove10.log" "$T/glove10.bin" "$G"
row "skip-gram, $EPOCHS epochs (GloVe's time)" "$SG" "$T/sg.log" "$T/sg.bin" "$G"
row "skip-gram, 5 epochs (default)" "$SG5" "$T/sg5.log" "$T/sg5.bin" "$G"

echo
echo "Counting the co-occurrences in bounded memory (GloVe, 1 epoch, the counting line and the peak):"
for mb in 0 8 2; do
  t=$(secs "$T/m$mb.log" "$W2V" train --model glove --corpus "$CORPUS" --out "$T/m.bin" --epochs 1 --memory-mb "$mb" --threads "$THREADS" --quiet)
  printf '  --memory-mb %-3s %6.2f CPU s, peak %s: %s\n' "$mb" "$t" "$(mem "$T/m$mb.log")" \
    "$(grep -m1 co-occurrences "$T/m$mb.log" | sed -E 's/.*: ([0-9]+ non-zeros).*(counted in [0-9.]+ s).*(table of at most [^(]*).*/\1, \2, \3/')$(grep -o '[0-9]* sorted chunks' "$T/m$mb.log" | sed 's/^/, /')"
done
