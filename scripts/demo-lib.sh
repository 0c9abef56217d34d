# demo-lib.sh - sourced by each chapter's demo.sh: prints every command before running it, so the
# reader sees exactly what to type, and times the chapter.
set -euo pipefail
BIN=${BIN:-bin}
FULL=${FULL:-}
SECONDS=0
# run CMD ARGS...: echo "$ CMD ARGS" then run it; a failing command fails the demo.
run() {
    printf '\n$ %s\n' "$*"
    "$@"
}
# banner TEXT: a section heading in the demo's output.
banner() { printf '\n======== %s ========\n' "$*"; }
# finish CHAPTER: the closing line with the chapter's time.
finish() { printf '\n[%s] demo finished in %d s\n' "$1" "$SECONDS"; }
