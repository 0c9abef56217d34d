#!/usr/bin/env bash
# 01_onehot/demo.sh - claim C1: one-hot vectors are V-dimensional, sparse and all equally far apart.
source "$(dirname "$0")/../scripts/demo-lib.sh"

banner "C1 (English): one-hot codes of the King James Bible's vocabulary"
run "$BIN/onehot" --corpus data/en/kjv.txt --words cat,dog,stone --name 01_onehot_en

banner "C1 (Chinese, words): 红楼梦 segmented into words"
run "$BIN/onehot" --corpus data/zh/hongloumeng.words.txt --words 猫,狗,石头 --name 01_onehot_zh

banner "C1 (Chinese, characters): every character a token, as BERT's Chinese models do"
run "$BIN/onehot" --corpus data/zh/hongloumeng.txt --tokenize chars --words 猫,狗,石 --name 01_onehot_zh_chars

finish 01_onehot
