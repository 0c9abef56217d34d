#!/usr/bin/env bash
# bench_nnlm.sh - chapter 03's quality target, measured: on the English test split (data/en/kjv.txt,
# seed 1), the NNLM + Kneser-Ney mixture must beat the best Kneser-Ney model's perplexity by at
# least 10%, and the NNLM alone must come within 10% of it (or beat it), after at most 10 minutes
# of training on the machine's cores. The Kneser-Ney baseline is computed in the same run, for
# every order from 2 to 8 (the NNLM reads 8 words; the best order on validation is the baseline).
# Prints the table, the training tokens/s, and each target met or not.
#
#   make bench-nnlm                     (after make all; BIN=bin; about 12 minutes)
#   MINUTES=5 bash bench/bench_nnlm.sh  (a shorter budget)
set -euo pipefail
BIN=${BIN:-bin}
MINUTES=${MINUTES:-10}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} # spinning threads crawl on a shared machine
if [ ! -x "$BIN/nnlm" ]; then echo "bench_nnlm: $BIN/nnlm not found; run 'make all' first" >&2; exit 1; fi
log=$(mktemp "${TMPDIR:-/tmp}/bench_nnlm.XXXXXX")
trap 'rm -f "$log"' EXIT

echo "NNLM against Kneser-Ney on data/en/kjv.txt (split seed 1), $MINUTES minutes of training, OMP_NUM_THREADS=${OMP_NUM_THREADS:-all cores}"
"$BIN/nnlm" --corpus data/en/kjv.txt --minutes "$MINUTES" --epochs 30 --max-order 8 --samples 0 --name bench_nnlm \
    --out "${TMPDIR:-/tmp}" | tee "$log" | grep -E '^(Kneser-Ney|NNLM|trained|training:|epoch .*valid)' || true

kn=$(sed -n 's/^Kneser-Ney [0-9]-gram (best) *[0-9.]* *\([0-9.]*\).*/\1/p' "$log")
nn=$(sed -n 's/^NNLM (reads [0-9]* words) *[0-9.]* *\([0-9.]*\).*/\1/p' "$log")
mix=$(sed -n 's/^NNLM + KN .*) *[0-9.]* *\([0-9.]*\) .*/\1/p' "$log")
if [ -z "$kn" ] || [ -z "$nn" ] || [ -z "$mix" ]; then echo "bench_nnlm: could not read the table" >&2; exit 1; fi
awk -v kn="$kn" -v nn="$nn" -v mix="$mix" 'BEGIN {
    printf "\ntarget                                      measured       verdict\n"
    printf "NNLM + KN at least 10%% below the best KN     %+6.1f%%        %s\n", 100 * (mix / kn - 1), (mix <= 0.9 * kn ? "met" : "NOT MET")
    printf "NNLM alone within 10%% of the best KN         %+6.1f%%        %s\n", 100 * (nn / kn - 1), (nn <= 1.1 * kn ? "met" : "NOT MET")
}'
