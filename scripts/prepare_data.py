#!/usr/bin/python3
"""prepare_data.py - make the derived files of data/ from the project's source corpora.

Run once by a developer with Debian's Python (standard library only); the outputs are committed,
so nothing at build, test or demo time needs Python:

    /usr/bin/python3 scripts/prepare_data.py ../shared/data

writes
  data/en/austen.txt.gz            Jane Austen's six novels: one paragraph a line (the source wraps
                                   them at 70 columns), a blank line between chapters (BERT's
                                   documents); titles and chapter headings dropped
  data/zh/cuv.txt.gz               the Chinese Union Version Bible (和合本), the text column of
                                   cuv.verses.tsv, one verse a line, a blank line between chapters
  data/cls/en-sources.train.tsv    "Which book is this English sentence from?": label<TAB>sentence,
  data/cls/en-sources.test.tsv     labels kjv / austen / shakespeare, sentences of 6-40 words,
                                   balanced, 2,000 + 500 of each, no sentence in both splits; the
                                   Shakespeare ones from the first 90% of tinyshakespeare (chapter
                                   04 validates on the last 10%)
Each file is written to a temporary name and renamed. The same input gives the same output
(seeded shuffles, gzip with mtime 0).
"""
import gzip
import os
import random
import re
import sys


def atomic_write(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def gz(text):
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def austen_chapters(path):
    """[[paragraph, ...] per chapter] of one novel: lines joined within paragraphs."""
    chapters, cur, para = [], [], []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    started = False
    for line in lines + [""]:
        s = line.strip()
        if re.match(r"^(CHAPTER|Chapter)\s+[0-9IVXLC]+\.?$", s):
            if para:
                cur.append(" ".join(para))
                para = []
            if cur:
                chapters.append(cur)
            cur, started = [], True
            continue
        if not started:
            continue  # title page, "VOLUME I"
        if not s:
            if para:
                cur.append(" ".join(para))
                para = []
            continue
        if re.match(r"^VOLUME\s+[IVX]+$", s) or s == "THE END" or s.startswith("FINIS"):
            continue
        para.append(s)
    if cur:
        chapters.append(cur)
    return chapters


# a sentence ends at . ! ? (and any closing quote or bracket) before a capital, but not after Mr.
SENT_END = re.compile(r'(?<!\bMr\.)(?<!\bMrs\.)(?<!\bDr\.)(?<!\bSt\.)(?<=[.!?])["\')\]]*\s+(?=[A-Z"\'(])')


def sentences(text):
    return [s.strip() for s in SENT_END.split(text) if s.strip()]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: prepare_data.py SHARED_DATA_DIR   (e.g. ../shared/data)")
    src = sys.argv[1]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")

    # ---- Austen ----
    novels = ["prideprejudice", "sensesensibility", "emma", "mansfieldpark", "northangerabbey",
              "persuasion"]
    austen_docs = []
    for n in novels:
        austen_docs += austen_chapters(os.path.join(src, "en", "austen", n + ".txt"))
    text = "\n\n".join("\n".join(ch) for ch in austen_docs) + "\n"
    atomic_write(os.path.join(root, "en", "austen.txt.gz"), gz(text))
    print("data/en/austen.txt.gz: %d chapters, %d paragraphs, %d words" % (
        len(austen_docs), sum(len(c) for c in austen_docs), len(text.split())))

    # ---- the Chinese Union Version ----
    out, last_chapter, verses = [], None, 0
    with open(os.path.join(src, "zh", "cuv.verses.tsv"), encoding="utf-8") as f:
        for line in f:
            ref, _, verse = line.rstrip("\n").partition("\t")
            verse = verse.strip()
            if not verse:
                continue
            chapter = ref.rsplit(":", 1)[0]  # "创世纪 1"
            if last_chapter is not None and chapter != last_chapter:
                out.append("")
            last_chapter = chapter
            out.append(verse)
            verses += 1
    atomic_write(os.path.join(root, "zh", "cuv.txt.gz"), gz("\n".join(out) + "\n"))
    print("data/zh/cuv.txt.gz: %d verses" % verses)

    # ---- en-sources: KJV / Austen / Shakespeare ----
    def ok(s):
        n = len(s.split())
        return 6 <= n <= 40 and "\t" not in s

    with open(os.path.join(src, "en", "kjv.txt"), encoding="utf-8") as f:
        kjv = [l.strip() for l in f if ok(l.strip())]
    aus = [s for ch in austen_docs for p in ch for s in sentences(p) if ok(s)]
    with open(os.path.join(src, "en", "tinyshakespeare.txt"), encoding="utf-8") as f:
        shk_text = f.read()
    shk_text = shk_text[: int(len(shk_text) * 0.9)]
    shk = []
    for speech in shk_text.split("\n\n"):
        lines = speech.strip().split("\n")
        if len(lines) < 2 or not lines[0].endswith(":"):
            continue
        shk += [s for s in sentences(" ".join(l.strip() for l in lines[1:])) if ok(s)]
    rng = random.Random(20261207)
    train, test = [], []
    for label, pool in (("kjv", kjv), ("austen", aus), ("shakespeare", shk)):
        pool = sorted(set(pool))
        rng.shuffle(pool)
        test += [(label, s) for s in pool[:500]]
        train += [(label, s) for s in pool[500:2500]]
    rng.shuffle(train)
    rng.shuffle(test)
    for name, rows in (("train", train), ("test", test)):
        atomic_write(os.path.join(root, "cls", "en-sources.%s.tsv" % name),
                     "".join("%s\t%s\n" % r for r in rows).encode("utf-8"))
    print("data/cls/en-sources.{train,test}.tsv: %d / %d sentences (pools: kjv %d, austen %d, "
          "shakespeare %d)" % (len(train), len(test), len(kjv), len(aus), len(shk)))


if __name__ == "__main__":
    main()
