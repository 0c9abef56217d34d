#!/usr/bin/env bash
# check_mpi.sh - data-parallel pretraining (issue 10, 07_bert/dist.h): `make MPI=1` builds bin/bert
# with MPI; two processes on one machine must train exactly what one process trains (the same loss
# lines, the same weights to within float reduction order), and a process that dies must end the
# whole job with a message instead of leaving the other waiting.
#
#   tests/check_mpi.sh        (needs mpicc and mpirun: apt-get install libopenmpi-dev openmpi-bin)
set -uo pipefail
cd "$(dirname "$0")/.."
command -v mpicc > /dev/null && command -v mpirun > /dev/null ||
    { echo "mpicc/mpirun not found (apt-get install libopenmpi-dev openmpi-bin)"; exit 1; }
make -s MPI=1 BUILD=build/mpi BIN=build/mpi/bin build/mpi/bin/bert > /dev/null || exit 1
B=build/mpi/bin/bert
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Open MPI refuses to run as root unless told; --oversubscribe lets 2 ranks share fewer cores
MPIRUN=(mpirun --oversubscribe)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)
export OMP_NUM_THREADS=1
head -n 3000 data/en/kjv.txt > "$T/c.txt"
A=(pretrain --corpus "$T/c.txt" --layers 2 --hidden 32 --heads 2 --intermediate 64 --vocab-size 600 --max-seq-len 32
   --batch 9 --steps 30 --warmup 3 --lr 1e-3 --dropout 0 --log-every 5 --doc-lines 10 --seed 3)
failed=0
"$B" "${A[@]}" --out "$T/one" 2> "$T/one.log" > /dev/null || { echo "FAIL: one process"; cat "$T/one.log"; exit 1; }
"${MPIRUN[@]}" -np 2 "$B" "${A[@]}" --out "$T/two" 2> "$T/two.log" > "$T/two.out" ||
    { echo "FAIL: two processes"; cat "$T/two.log"; exit 1; }
grep '^step' "$T/one.log" | sed 's/|[^|]*s |[^|]*tok\/s$//' > "$T/one.steps"
grep '^step' "$T/two.log" | sed 's/|[^|]*s |[^|]*tok\/s$//' > "$T/two.steps"
if cmp -s "$T/one.steps" "$T/two.steps" && [ -s "$T/one.steps" ]; then
    echo "mpi ok: 2 processes print the same $(wc -l < "$T/one.steps") loss lines as 1 (batch of 9 cut 5 + 4)"
else
    echo "FAIL: the loss lines differ"; diff "$T/one.steps" "$T/two.steps" | head; failed=1
fi
[ "$(grep -c '^median_step_ms=' "$T/two.out")" = 1 ] || { echo "FAIL: not exactly one result line from 2 processes"; failed=1; }
# the weights: the same safetensors header, float data equal to 1e-5 (summation order differs)
f1=$T/one/model.safetensors f2=$T/two/model.safetensors
hlen=$(( $(od -An -t u8 -N 8 "$f1") + 8 ))
if cmp -s -n $hlen "$f1" "$f2"; then
    worst=$(paste <(od -An -v -f -w4 -j $hlen "$f1") <(od -An -v -f -w4 -j $hlen "$f2") |
        awk '{d = $1 - $2; if (d < 0) d = -d; if (d > w) w = d; n++} END {printf "%d floats, largest difference %.3g", n, w}')
    echo "mpi ok: weights of 1 and 2 processes: $worst"
    awk -v s="$worst" 'BEGIN {split(s, a, "difference "); exit !(a[2] + 0 <= 1e-5)}' || { echo "FAIL: weights differ"; failed=1; }
else
    echo "FAIL: the two model.safetensors headers differ"; failed=1
fi
# one process fails (only rank 0 writes, and its output directory cannot be created): the job ends
mkdir -p "$T/ro" && touch "$T/ro/file"
timeout 120 "${MPIRUN[@]}" -np 2 "$B" "${A[@]}" --steps 5 --out "$T/ro/file/model" > /dev/null 2> "$T/fail.log"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q '^error: ' "$T/fail.log"; then
    echo "mpi ok: a failing rank ends the job (exit $rc): $(grep -m1 '^error: ' "$T/fail.log")"
else
    echo "FAIL: a failing rank: exit $rc"; cat "$T/fail.log"; failed=1
fi
# one process killed: the job ends instead of hanging in an allreduce
"${MPIRUN[@]}" -np 2 "$B" "${A[@]}" --steps 100000 --warmup 10 --out "$T/k" > /dev/null 2> "$T/kill.log" &
job=$!
sleep 4
victim=$(pgrep -f "$B pretrain" | tail -n 1)
[ -n "$victim" ] && kill -9 "$victim"
for i in $(seq 1 60); do kill -0 $job 2> /dev/null || break; sleep 1; done
if kill -0 $job 2> /dev/null; then
    echo "FAIL: the job still runs 60 s after one process was killed"; kill -9 $job; failed=1
else
    wait $job; rc=$?
    echo "mpi ok: a killed process ends the job (mpirun exit $rc)"
fi
exit $failed
