#!/usr/bin/python3
"""check_word2vec_gensim.py - chapter 02's vector files against gensim, both ways.

Run after `make` (Debian: apt-get install python3-gensim):
    /usr/bin/python3 tests/check_word2vec_gensim.py [BIN_DIR]      (BIN_DIR defaults to bin)

1. bin/word2vec trains small vectors on 2,000 verses of the King James Bible and saves them in
   the word2vec binary and text formats;
2. gensim's KeyedVectors.load_word2vec_format reads both: the same words in the same order, and
   the same float32 values, bit for bit, in both files (text keeps 9 significant digits);
3. gensim writes them back in both formats, and `bin/word2vec neighbors` reads gensim's files and
   prints the same neighbours, with the same cosines (to 1e-4), as gensim's most_similar.
Prints what it checked and exits 1 on the first mismatch.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from gensim.models import KeyedVectors

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
prog = os.path.join(root, sys.argv[1] if len(sys.argv) > 1 else "bin", "word2vec")


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(*args):
    r = subprocess.run([prog, *args], cwd=root, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


with tempfile.TemporaryDirectory() as tmp:
    corpus = os.path.join(tmp, "kjv2000.txt")
    with open(os.path.join(root, "data/en/kjv.txt"), encoding="utf-8") as f:
        lines = f.readlines()[:2000]
    with open(corpus, "w", encoding="utf-8") as f:
        f.writelines(lines)
    ours = {}
    for fmt in ("bin", "txt"):
        path = os.path.join(tmp, f"ours.{fmt}")
        run("train", "--corpus", corpus, "--out", path, "--format", fmt, "--dim", "24", "--epochs", "2",
            "--threads", "1", "--quiet")
        kv = KeyedVectors.load_word2vec_format(path, binary=(fmt == "bin"))
        ours[fmt] = kv
        print(f"gensim read our {fmt} file: {len(kv.index_to_key)} words x {kv.vector_size} dims")
    a, b = ours["bin"], ours["txt"]
    if a.index_to_key != b.index_to_key:
        fail("the bin and txt files hold different words or orders")
    if not np.array_equal(a.vectors.view(np.uint32), b.vectors.view(np.uint32)):
        fail("the bin and txt vectors differ")
    print("  same words, same order, same float32 bits in both formats")

    # gensim writes; we read
    for binary in (True, False):
        path = os.path.join(tmp, "gensim." + ("bin" if binary else "txt"))
        a.save_word2vec_format(path, binary=binary)
        for word in ("god", "king", "water"):
            want = a.most_similar(word, topn=5)
            got = [line.split() for line in run("neighbors", "--vectors", path, "--top", "5", word).splitlines()]
            if [w for w, _ in want] != [w for w, _ in got]:
                fail(f"neighbours of {word} in gensim's {path}: ours {got}, gensim {want}")
            for (w1, c1), (w2, c2) in zip(want, got):
                if abs(c1 - float(c2)) > 1e-4:
                    fail(f"cosine of {word}-{w1}: ours {c2}, gensim {c1}")
        print(f"bin/word2vec read gensim's {'binary' if binary else 'text'} file: neighbours and cosines match "
              "most_similar for god, king, water")

    # GloVe's vectors (word + context) go through the same writer: gensim reads them too
    glove = {}
    for fmt in ("bin", "txt"):
        path = os.path.join(tmp, f"glove.{fmt}")
        run("train", "--model", "glove", "--corpus", corpus, "--out", path, "--format", fmt, "--dim", "24",
            "--epochs", "2", "--threads", "1", "--quiet")
        glove[fmt] = KeyedVectors.load_word2vec_format(path, binary=(fmt == "bin"))
    a, b = glove["bin"], glove["txt"]
    if a.index_to_key != b.index_to_key or not np.array_equal(a.vectors.view(np.uint32), b.vectors.view(np.uint32)):
        fail("GloVe's bin and txt files differ")
    if a.index_to_key != ours["bin"].index_to_key:
        fail("GloVe and skip-gram trained on the same corpus have different vocabularies")
    got = [line.split()[0] for line in run("neighbors", "--vectors", os.path.join(tmp, "glove.bin"), "--top", "5",
                                            "god").splitlines()]
    if got != [w for w, _ in a.most_similar("god", topn=5)]:
        fail(f"GloVe neighbours of god: ours {got}, gensim {a.most_similar('god', topn=5)}")
    print(f"gensim read GloVe's bin and txt files: {len(a.index_to_key)} words, the same bits, the same vocabulary as "
          "skip-gram's, the same neighbours of god")
print("OK")
