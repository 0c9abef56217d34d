# 07_bert/recipe.sh - sourced by demo.sh and bench/bench_bert_fasttext.sh, so that the demo's model
# and the benchmark's model are pretrained the same way.
#
# The corpus: the King James Bible and the four classic novels (红楼梦 as text; the other three ship
# gzip-compressed in data/zh/ and are unpacked into out/07_novels/ the first time). The sentences
# of the four-novels test set are left out (bert corpus --exclude): a model must not have read its
# test sentences, even unlabelled, before it is scored on them.
BERT_TEST_SET=data/cls/zh-four-classics.test.tsv

# bert_corpus_inputs: unpack the novels if needed, print the comma-separated --inputs list
bert_corpus_inputs() {
    local dir=out/07_novels list=data/en/kjv.txt,data/zh/hongloumeng.txt f
    mkdir -p "$dir"
    for f in sanguoyanyi shuihuzhuan xiyouji; do
        if [ ! -s "$dir/$f.txt" ]; then
            gzip -dc "data/zh/$f.txt.gz" > "$dir/$f.txt.tmp"
            mv "$dir/$f.txt.tmp" "$dir/$f.txt"
        fi
        list=$list,$dir/$f.txt
    done
    echo "$list"
}

# The quality run (FULL=1): bert-base's shape shrunk to 4 layers of 256, about 12 minutes on 2 cores.
BERT_FULL_SHAPE=(--layers 4 --hidden 256 --heads 4 --intermediate 1024 --vocab-size 8000 --min-count 3 --max-seq-len 64)
BERT_FULL_TRAIN=(--batch 32 --steps 2000 --warmup 200 --lr 5e-4) # 1e-3 stays on the unigram plateau (5% MLM accuracy after 1,200 steps)
