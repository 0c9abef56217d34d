#!/usr/bin/env bash
# 02_word2vec/demo.sh - claims C2-C5: dense vectors put related words close (C2), relations become
# offsets (C3), CBOW against skip-gram (C4), one vector per word whatever its sense (C5); GloVe
# beside skip-gram on the same corpus; two languages in one space (C28).
source "$(dirname "$0")/../scripts/demo-lib.sh"

banner "C2-C5: bin/word2vec with no arguments trains on the King James Bible and 红楼梦"
if [ -n "$FULL" ]; then run "$BIN/word2vec" demo --full; else run "$BIN/word2vec"; fi

banner "The saved vectors through the command-line tools"
EN=out/02_word2vec_kjv_sg.bin ZH=out/02_word2vec_hlm_sg.bin
run "$BIN/word2vec" neighbors --vectors "$EN" --top 5 gold
run "$BIN/word2vec" analogy --vectors "$EN" --top 3 man king woman
# queries on standard input, one a line, as word2vec's own `distance` and `word-analogy` take them
printf '\n$ echo "宝玉 黛玉 贾琏" | %s analogy --vectors %s --top 3\n' "$BIN/word2vec" "$ZH"
echo "宝玉 黛玉 贾琏" | "$BIN/word2vec" analogy --vectors "$ZH" --top 3
printf '\n$ echo "银子" | %s neighbors --vectors %s --top 3\n' "$BIN/word2vec" "$ZH"
echo "银子" | "$BIN/word2vec" neighbors --vectors "$ZH" --top 3
run "$BIN/word2vec" similarity --vectors "$EN" --pairs data/eval/en/EN-MEN-TR-3k.txt
run "$BIN/word2vec" analogy --vectors "$EN" --questions data/eval/en/word2vec-questions-words.txt --restrict 5000
run "$BIN/word2vec" plot --vectors "$EN" --words egypt,pharaoh,babylon,nebuchadnezzar,assyria,sennacherib,persia,cyrus \
  --arrows egypt:pharaoh,babylon:nebuchadnezzar,assyria:sennacherib,persia:cyrus --title "country -> its king" \
  --out out/02_word2vec_kjv_kings.png
echo ">> Each arrow goes from a country to its king; bin/word2vec plot draws any such picture (--ascii in the terminal)."

banner "GloVe beside skip-gram: the same corpus (KJV), the same vocabulary, the same tools"
# One thread each, so that the numbers repeat; `time:` lines give training time and peak memory.
# GloVe's epochs pass over the non-zero counts, skip-gram's over the text.
if [ -n "$FULL" ]; then GLOVE_EPOCHS=50; else GLOVE_EPOCHS=10; fi
train_line() { # MODEL NAME ARGS...: train quietly, keep the closing lines
  local name=$1; shift
  run "$BIN/word2vec" train --corpus data/en/kjv.txt --threads 1 --quiet --out "out/02_word2vec_kjv_$name.bin" "$@" \
    | tee "out/02_word2vec_kjv_$name.log" | grep -E "^(co-occurrences|  [0-9]+ sorted|time|words)"
}
train_line sg5 --model skipgram
train_line glove --model glove --epochs "$GLOVE_EPOCHS"
train_line glove_x10 --model glove --epochs "$GLOVE_EPOCHS" --x-max 10
# the bounded-memory path: a 4 MB table, sorted chunks merged from disk, the same counts
train_line glove_4mb --model glove --epochs 1 --memory-mb 4
printf '\n%-34s %10s %14s\n' "model (1 thread)" "train s" "peak memory"
for m in sg5:"skip-gram, 5 epochs" glove:"GloVe x_max 100, $GLOVE_EPOCHS epochs" glove_x10:"GloVe x_max 10, $GLOVE_EPOCHS epochs"; do
  f=out/02_word2vec_kjv_${m%%:*}.log
  printf '%-34s %10s %14s\n' "${m#*:}" "$(grep -o 'wall_s=[0-9.]*' "$f" | cut -d= -f2)" "$(grep -o 'peak memory .*' "$f" | cut -d' ' -f3-)"
done
run "$BIN/word2vec" compare --vectors out/02_word2vec_kjv_sg5.bin,out/02_word2vec_kjv_glove.bin,out/02_word2vec_kjv_glove_x10.bin \
  --names "skip-gram,GloVe x_max 100,GloVe x_max 10" \
  --pairs data/eval/en/EN-MEN-TR-3k.txt,data/eval/en/EN-WS-353-ALL.txt \
  --questions data/eval/en/simple-analogies-en.txt,data/eval/en/word2vec-questions-words.txt --words gold,sheep,water,seven,king
echo ">> Both learn from the same windows: GloVe counts them once and fits log counts, skip-gram predicts them"
echo ">> one by one. On 0.8M words skip-gram's vectors score higher; GloVe's weighting was tuned for"
echo ">> billions of words (x_max 100 ignores most pairs of a small corpus: x_max 10 does better here)."

banner "C28: two languages in one space - the English and the Chinese Bible"
# The English side: the skip-gram vectors of the first section. The Chinese side: skip-gram on the
# Chinese Union Version as characters (一 ... 十 are words of their own only as characters).
if [ -n "$FULL" ]; then ZH_EPOCHS=15; else ZH_EPOCHS=5; fi
run "$BIN/word2vec" train --corpus data/zh/cuv.words.txt --tokenize chars --epochs "$ZH_EPOCHS" --threads 1 --quiet \
  --out out/02_word2vec_cuv_chars.bin | grep -E "^(corpus|time|words)"
run "$BIN/word2vec" crosslingual --src "$EN" --tgt out/02_word2vec_cuv_chars.bin --dict data/eval/en-zh-bible-dict.txt \
  --plot one:一,two:二,three:三,four:四,five:五,six:六,seven:七,eight:八,nine:九,ten:十 --out 02_word2vec_numbers
run "$BIN/word2vec" crosslingual --src "$EN" --tgt out/02_word2vec_cuv_chars.bin --dict data/eval/en-zh-bible-dict.txt \
  --plot father:父,mother:母,son:子,gold:金,silver:银,iron:铁,sheep:羊,ox:牛,horse:马,water:水,fire:火,sea:海 \
  --out 02_word2vec_words | sed -n '/plotted words/,$p'
echo ">> The same with a few other pairs (out/02_word2vec_words_*.png): seeds and held-out pairs alike."
echo ">> No sentence was aligned: each space was trained alone. Still the number words are arranged alike in"
echo ">> both (the rank correlation of their pairwise cosines), and one rotation learned from 135 seed pairs"
echo ">> sends held-out English words near their Chinese translations far above chance. The numbers land"
echo ">> among the Chinese numbers (百, 千, 六...), though rarely on the right one: with a million words a"
echo ">> side, the map is good to a neighbourhood more than to a word (precision@5 well above precision@1)."

finish 02_word2vec
