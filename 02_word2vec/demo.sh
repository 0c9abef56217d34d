#!/usr/bin/env bash
# 02_word2vec/demo.sh - claims C2-C5: dense vectors put related words close (C2), relations become
# offsets (C3), CBOW against skip-gram (C4), one vector per word whatever its sense (C5).
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

finish 02_word2vec
