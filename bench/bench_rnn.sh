#!/usr/bin/env bash
# bench_rnn.sh - chapter 04's throughput target: training characters per second of bin/rnn's LSTM
# language model against PyTorch's nn.LSTM (Debian's python3-torch) on the same configuration:
# tiny-shakespeare, embedding 64 -> one LSTM layer of 256 -> softmax, batch 32, chunks of 100
# steps (truncated BPTT, state carried), Adam, clipping at 5; same thread count, measured in the
# same run, runs interleaved so that a busy machine slows both alike. Prints the ratio.
#
#   make bench-rnn                       (after make all; BIN=bin)
#   STEPS=30 REPEATS=3 THREADS="1 2" bash bench/bench_rnn.sh
set -euo pipefail
BIN=${BIN:-bin}
STEPS=${STEPS:-30}
REPEATS=${REPEATS:-3}
THREADS=${THREADS:-"1 2"}
PY=/usr/bin/python3
# Both programs use libgomp: on a machine shared with other busy programs, spinning threads that
# wait for each other slow both down by an order of magnitude; passive waiting keeps them fair.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
CORPUS=data/en/tinyshakespeare.txt
if [ ! -x "$BIN/rnn" ]; then echo "bench_rnn: $BIN/rnn not found; run 'make all' first" >&2; exit 1; fi
have_torch=1
"$PY" -c 'import torch' 2>/dev/null || have_torch=0
[ "$have_torch" = 1 ] || echo "bench_rnn: $PY cannot import torch (apt-get install python3-torch); PyTorch column skipped"

# best chars/s of REPEATS runs (the least disturbed one)
best() { sort -g | tail -n 1; }
ours_once() {
    OMP_NUM_THREADS=$1 "$BIN/rnn" train --corpus "$CORPUS" --cell lstm --hidden 256 --embed 64 --batch 32 \
        --seq 100 --steps "$STEPS" --eval-every 0 --val-frac 0.1 --sample-len 0 --print-every "$STEPS" \
        --out "${TMPDIR:-/tmp}" --name bench_rnn | sed -n 's/^trained .*: \([0-9.]*\) chars\/s$/\1/p'
}
torch_once() {
    OMP_NUM_THREADS=$1 "$PY" bench/bench_rnn_torch.py --corpus "$CORPUS" --threads "$1" --steps "$STEPS" |
        sed -n 's/.*: \([0-9.]*\) chars\/s.*/\1/p'
}

echo "LSTM character LM (tiny-shakespeare): embedding 64, hidden 256, batch 32, chunks of 100, Adam"
echo "training chars/s, best of $REPEATS interleaved runs of $STEPS steps each (OMP_WAIT_POLICY=$OMP_WAIT_POLICY)"
printf '%-8s | %12s | %16s | %14s\n' threads "bin/rnn" "PyTorch nn.LSTM" "rnn / PyTorch"
for t in $THREADS; do
    ours=() theirs=()
    for ((r = 0; r < REPEATS; r++)); do
        ours+=("$(ours_once "$t")")
        [ "$have_torch" = 1 ] && theirs+=("$(torch_once "$t")")
    done
    o=$(printf '%s\n' "${ours[@]}" | best)
    if [ "$have_torch" = 1 ]; then
        p=$(printf '%s\n' "${theirs[@]}" | best)
        printf '%-8s | %12.0f | %16.0f | %13.2fx\n' "$t" "$o" "$p" "$(awk -v a="$o" -v b="$p" 'BEGIN { print a / b }')"
    else
        printf '%-8s | %12.0f | %16s | %14s\n' "$t" "$o" "-" "-"
    fi
done
echo "(timings on a shared machine are noisy: compare the ratio, measured in the same run)"
