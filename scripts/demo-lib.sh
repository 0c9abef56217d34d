# demo-lib.sh - sourced by each chapter's demo.sh: prints every command before running it, so the
# reader sees exactly what to type, and times the chapter.
set -euo pipefail
BIN=${BIN:-bin}
FULL=${FULL:-}
SECONDS=0
# Idle OpenMP threads sleep instead of spinning: on a shared or small machine spinning threads
# steal the cores the working ones need (measured: 2 threads 50x slower than 1 on a busy box).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
# run CMD ARGS...: echo "$ CMD ARGS" then run it; a failing command fails the demo.
run() {
    printf '\n$ %s\n' "$*"
    "$@"
}
# banner TEXT: a section heading in the demo's output.
banner() { printf '\n======== %s ========\n' "$*"; }
# finish CHAPTER: the closing line with the chapter's time.
finish() { printf '\n[%s] demo finished in %d s\n' "$1" "$SECONDS"; }
