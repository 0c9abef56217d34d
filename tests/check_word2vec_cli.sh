#!/usr/bin/env bash
# check_word2vec_cli.sh - bin/word2vec's command line: exit codes (0 ok, 2 bad arguments, 1 bad
# input files), the exact output lines, and queries from standard input.
#   bash tests/check_word2vec_cli.sh [BIN_DIR]      (after make; BIN_DIR defaults to bin)
set -u
cd "$(dirname "$0")/.."
W2V=${1:-bin}/word2vec
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 checks=0
# expect CODE CMD...: run, compare the exit status
expect() {
  local want=$1; shift
  checks=$((checks + 1))
  "$@" >"$T/out" 2>"$T/err" </dev/null
  local got=$?
  if [ "$got" != "$want" ]; then
    fails=$((fails + 1)); echo "FAIL (exit $got, want $want): $*"; sed 's/^/    /' "$T/err" | head -3
  fi
}
# match REGEX FILE: the file's last line matches
match() {
  checks=$((checks + 1))
  if ! tail -n 1 "$2" | grep -Eq "$1"; then fails=$((fails + 1)); echo "FAIL: last line of $2 is '$(tail -n 1 "$2")', want /$1/"; fi
}

head -n 3000 data/en/kjv.txt > "$T/small.txt"
expect 0 "$W2V" --help
expect 0 "$W2V" train --corpus "$T/small.txt" --out "$T/v.bin" --dim 20 --epochs 1 --threads 2
match '^words=[0-9]+ wall_s=[0-9.]+ words_per_s=[0-9]+$' "$T/out"
expect 0 "$W2V" train --corpus "$T/small.txt" --out "$T/v.txt" --format txt --model cbow --hs --dim 20 --epochs 1 --quiet
[ -s "$T/err" ] && { fails=$((fails + 1)); echo "FAIL: --quiet printed on stderr"; }
expect 0 "$W2V" neighbors --vectors "$T/v.bin" --top 3 god
checks=$((checks + 1))
grep -Evq '^[^ ]+ -?[0-9]\.[0-9]{4}$' "$T/out" && { fails=$((fails + 1)); echo "FAIL: neighbors lines not 'word cosine'"; }
[ "$(wc -l < "$T/out")" = 3 ] || { fails=$((fails + 1)); echo "FAIL: neighbors --top 3 printed $(wc -l < "$T/out") lines"; }
expect 0 "$W2V" analogy --vectors "$T/v.txt" --top 2 man king woman
checks=$((checks + 1)); [ "$(wc -l < "$T/out")" = 2 ] || { fails=$((fails + 1)); echo "FAIL: analogy --top 2 lines"; }
expect 0 "$W2V" analogy --vectors "$T/v.bin" --questions data/eval/en/simple-analogies-en.txt --restrict 500
match '^accuracy=[0-9.]+ covered=[0-9]+/29$' "$T/out"
expect 0 "$W2V" similarity --vectors "$T/v.bin" --pairs data/eval/en/EN-MEN-TR-3k.txt
match '^spearman=(-?[0-9.]+|nan) covered=[0-9]+/3000$' "$T/out"
# queries from standard input, one a line, like word2vec's distance and word-analogy
checks=$((checks + 1))
n=$(printf 'god\n\nlord\n' | "$W2V" neighbors --vectors "$T/v.bin" --top 4 | wc -l)
[ "$n" = 8 ] || { fails=$((fails + 1)); echo "FAIL: two stdin queries gave $n lines, want 8"; }
checks=$((checks + 1))
n=$(printf 'man king woman\n' | "$W2V" analogy --vectors "$T/v.bin" --top 3 | wc -l)
[ "$n" = 3 ] || { fails=$((fails + 1)); echo "FAIL: stdin analogy gave $n lines, want 3"; }
expect 0 "$W2V" plot --vectors "$T/v.bin" --words god,lord,king,man,woman --arrows man:woman --out "$T/p.png" --ascii
expect 0 "$W2V" plot --vectors "$T/v.bin" --top-words 40 --method tsne --out "$T/t.png" --ascii
# GloVe through the same command, the same closing line; counting in bounded memory
expect 0 "$W2V" train --model glove --corpus "$T/small.txt" --out "$T/g.txt" --format txt --dim 20 --epochs 2 --quiet
match '^words=[0-9]+ wall_s=[0-9.]+ words_per_s=[0-9]+$' "$T/out"
expect 0 "$W2V" train --model glove --corpus "$T/small.txt" --out "$T/g.bin" --dim 20 --epochs 1 --memory-mb 1 --x-max 10 --power 1 --quiet
checks=$((checks + 1)); grep -q 'sorted chunks written to disk' "$T/out" || { fails=$((fails + 1)); echo "FAIL: --memory-mb 1 wrote no chunk"; }
expect 0 "$W2V" neighbors --vectors "$T/g.txt" --top 3 god
expect 0 "$W2V" compare --vectors "$T/v.bin,$T/g.bin" --names sg,glove --pairs data/eval/en/EN-MEN-TR-3k.txt --questions data/eval/en/simple-analogies-en.txt --words god,king
checks=$((checks + 1)); [ "$(wc -l < "$T/out")" = 5 ] || { fails=$((fails + 1)); echo "FAIL: compare printed $(wc -l < "$T/out") lines, want 5"; }
printf ': seed\ngod god\nking king\nlord lord\n: test\nman man\n' > "$T/dict.txt"
expect 0 "$W2V" crosslingual --src "$T/v.bin" --tgt "$T/g.bin" --dict "$T/dict.txt" --ascii
expect 2 "$W2V" train --model glove --corpus "$T/small.txt" --out "$T/x.bin" --negative 3
expect 2 "$W2V" train --model glove --corpus "$T/small.txt" --out "$T/x.bin" --memory-mb -1
expect 2 "$W2V" train --model glove --corpus "$T/small.txt" --out "$T/x.bin" --x-max 0
expect 2 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --x-max 10
expect 2 "$W2V" compare --names a
expect 2 "$W2V" compare --vectors "$T/v.bin,$T/g.bin" --names one
expect 2 "$W2V" crosslingual --src "$T/v.bin" --tgt "$T/g.bin"
expect 2 "$W2V" crosslingual --src "$T/v.bin" --tgt "$T/g.bin" --dict "$T/dict.txt" --plot god
expect 1 "$W2V" crosslingual --src "$T/v.bin" --tgt "$T/g.bin" --dict "$T/missing.txt"
printf 'god 神\n' > "$T/nodict.txt"
expect 1 "$W2V" crosslingual --src "$T/v.bin" --tgt "$T/g.bin" --dict "$T/nodict.txt"

# bad arguments: exit 2
expect 2 "$W2V" frobnicate
expect 2 "$W2V" train --corpus "$T/small.txt"
expect 2 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --dim 0
expect 2 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --epochs 1000000000000
expect 2 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --window abc
expect 2 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --model fasttext
expect 2 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --tokenize bytes
expect 2 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --format csv
expect 2 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --sample -1
expect 2 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --alpha
expect 2 "$W2V" neighbors --vectors "$T/v.bin" --top 0 god
expect 2 "$W2V" neighbors --top 3 god
expect 2 "$W2V" analogy --vectors "$T/v.bin" man king
expect 2 "$W2V" analogy --vectors "$T/v.bin" --restrict 10 man king woman
expect 2 "$W2V" similarity --vectors "$T/v.bin"
expect 2 "$W2V" plot --vectors "$T/v.bin" --words a,b --method umap --out "$T/p.png"
expect 2 "$W2V" plot --vectors "$T/v.bin" --out "$T/p.png"
expect 2 "$W2V" demo --bogus

# bad input: exit 1 with a message
printf '' > "$T/empty.txt"
printf 'good\n\xc3\x28 bad\n' > "$T/latin1.txt"
printf 'a\0b\n' > "$T/binary.txt"
printf '3 2\nx 1 2\n' > "$T/short.vec"
printf 'not a header\n' > "$T/nohdr.vec"
expect 1 "$W2V" train --corpus "$T/missing.txt" --out "$T/x.bin"
expect 1 "$W2V" train --corpus "$T/empty.txt" --out "$T/x.bin"
expect 1 "$W2V" train --corpus "$T/latin1.txt" --out "$T/x.bin"
expect 1 "$W2V" train --corpus "$T/binary.txt" --out "$T/x.bin"
expect 1 "$W2V" train --corpus "$T/small.txt" --out "$T/x.bin" --min-count 1000000
expect 1 "$W2V" train --corpus "$T/small.txt" --out "$T/no/such/dir/x.bin" --epochs 1 --quiet
expect 1 "$W2V" neighbors --vectors "$T/short.vec" god
expect 1 "$W2V" neighbors --vectors "$T/nohdr.vec" god
expect 1 "$W2V" neighbors --vectors "$T/missing.vec" god
expect 1 "$W2V" neighbors --vectors "$T/v.bin" no-such-word-here
expect 1 "$W2V" analogy --vectors "$T/v.bin" --questions "$T/latin1.txt"
expect 1 "$W2V" similarity --vectors "$T/v.bin" --pairs "$T/missing.txt"
expect 1 "$W2V" plot --vectors "$T/v.bin" --words god,unicornz --out "$T/p.png"

echo "check_word2vec_cli: $checks checks, $fails failed"
[ "$fails" = 0 ]
