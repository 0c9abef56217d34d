#!/usr/bin/python3
"""make_fixtures_bert_tokenizer.py - expected output of BERT's tokenizer for chapter 07's tests.

Run from the project root with Debian's Python:
    /usr/bin/python3 tests/make_fixtures_bert_tokenizer.py
It rewrites tests/fixtures/bert_vocab.txt (a small WordPiece vocabulary) and
tests/fixtures/bert_tokenizer.txt (the cases), which are committed, so `make test` needs no Python.

Hugging Face's transformers is not installed here, so this file re-implements, in plain Python
with unicodedata, what transformers' BertTokenizer.tokenize does (PreTrainedTokenizer.tokenize:
per-character lower-casing that spares the special tokens, then splitting the special tokens out;
BasicTokenizer: _clean_text, _tokenize_chinese_chars, NFC, whitespace_tokenize, lower() and
_run_strip_accents, _run_split_on_punc; WordpieceTokenizer: greedy longest-match-first with
"##", [UNK] past 100 characters). It is written from that published algorithm, independently of
the C code, and uses Python's own str.lower and unicodedata.normalize, the very functions
Hugging Face calls.

It also trains WordPiece vocabularies the slow, obvious way (every pair recounted after every
merge, as in Hugging Face's course) on small corpora, so the C trainer's incremental bookkeeping
can be compared with it merge for merge.

Format of bert_tokenizer.txt (one record per line, fields separated by single spaces):
    # comment
    case NAME LOWER HEXTEXT          the input, UTF-8 bytes in hex ("-" for the empty text)
    words N W1 ... WN                BasicTokenizer's words (they never hold white space)
    ids N I1 ... IN                  BertTokenizer's ids with bert_vocab.txt
    tokens N T1 ... TN               the same as token strings, for people reading the file
    train NAME LOWER SIZE MINPAIR HEX a training corpus (MINPAIR: the least count of a merged pair)
    vocab N T1 ... TN                the trained vocabulary in id order
"""
import os
import re
import unicodedata

FIX = "tests/fixtures"
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
MAX_CHARS = 100


# ---- BasicTokenizer ---------------------------------------------------------------------------

def is_whitespace(ch):
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def is_control(ch):
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_chinese_char(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def clean_text(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        out.append(" " if is_whitespace(ch) else ch)
    return "".join(out)


def space_chinese(text):
    return "".join(" %s " % ch if is_chinese_char(ord(ch)) else ch for ch in text)


def strip_accents(word):
    return "".join(ch for ch in unicodedata.normalize("NFD", word)
                   if unicodedata.category(ch) != "Mn")


def split_on_punc(word):
    pieces, cur = [], []
    for ch in word:
        if is_punctuation(ch):
            if cur:
                pieces.append("".join(cur))
                cur = []
            pieces.append(ch)
        else:
            cur.append(ch)
    if cur:
        pieces.append("".join(cur))
    return pieces


def basic_tokenize(text, lower):
    text = clean_text(text)
    text = space_chinese(text)
    text = unicodedata.normalize("NFC", text)
    out = []
    for word in text.split():
        if lower:
            word = strip_accents(word.lower())
        out.extend(split_on_punc(word))
    return " ".join(out).split()


# ---- WordpieceTokenizer and BertTokenizer.tokenize ----------------------------------------------

def wordpiece(word, vocab):
    if len(word) > MAX_CHARS:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        found = None
        while start < end:
            sub = word[start:end]
            if start > 0:
                sub = "##" + sub
            if sub in vocab:
                found = sub
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


SPECIAL_RE = "(" + "|".join(re.escape(s) for s in SPECIALS) + ")"


def bert_tokenize(text, vocab, lower):
    """Tokens (strings) as BertTokenizer.tokenize gives them."""
    if lower:  # PreTrainedTokenizer.tokenize: one character at a time, the specials spared
        text = re.sub(SPECIAL_RE + r"|(.+?)", lambda m: m.group(1) or m.group(2).lower(), text)
    tokens = []
    for chunk in re.split(SPECIAL_RE, text):
        if chunk in SPECIALS:
            tokens.append(chunk)
            continue
        for word in basic_tokenize(chunk, lower):
            tokens.extend(wordpiece(word, vocab))
    return tokens


def load_vocab(path):
    """Hugging Face's load_vocab: a dict filled line by line (a repeated token keeps its last id)."""
    vocab = {}
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f.readlines()):
            vocab[line.rstrip("\n")] = i
    return vocab


# ---- WordPiece training, the slow way ----------------------------------------------------------

def train(text, size, lower, min_pair=1):
    counts = {}
    if lower:  # as BertTokenizer.tokenize will see it
        text = "".join(ch.lower() for ch in text)
    for w in basic_tokenize(text, lower):
        counts[w] = counts.get(w, 0) + 1
    words = [w for w in counts if len(w) <= MAX_CHARS]  # in order of first appearance
    alpha = {}
    for w in words:
        for i, ch in enumerate(w):
            key = (i > 0, ch)
            alpha[key] = alpha.get(key, 0) + counts[w]
    keys = list(alpha)
    if len(SPECIALS) + len(keys) > size:
        keys.sort(key=lambda k: (-alpha[k], k[0], k[1].encode()))
        keys = keys[:size - len(SPECIALS)]
    keys.sort(key=lambda k: (k[0], k[1].encode()))
    vocab = SPECIALS + [("##" if cont else "") + ch for cont, ch in keys]
    ids = {t: i for i, t in enumerate(vocab)}
    splits = {}
    for w in words:
        syms = [w[0]] + ["##" + ch for ch in w[1:]]
        if all(s in ids for s in syms):
            splits[w] = [ids[s] for s in syms]
    while len(vocab) < size:
        sym_count, pair_count = {}, {}
        for w, s in splits.items():
            for x in s:
                sym_count[x] = sym_count.get(x, 0) + counts[w]
            for a, b in zip(s, s[1:]):
                pair_count[(a, b)] = pair_count.get((a, b), 0) + counts[w]
        pair_count = {k: n for k, n in pair_count.items() if n >= min_pair}
        if not pair_count:
            break
        # best score, then the most frequent pair, then the lowest ids
        (a, b), n = max(pair_count.items(),
                        key=lambda kv: (kv[1] / (sym_count[kv[0][0]] * sym_count[kv[0][1]]),
                                        kv[1], -kv[0][0], -kv[0][1]))
        merged = vocab[a] + vocab[b][2:]
        if merged not in ids:
            ids[merged] = len(vocab)
            vocab.append(merged)
        c = ids[merged]
        for w, s in splits.items():
            out, i = [], 0
            while i < len(s):
                if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                    out.append(c)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            splits[w] = out
    return vocab


# ---- the fixtures -----------------------------------------------------------------------------

WORDS = """
the of and to in a is that for it as was with be by on not he i this are or his from at which
but have an they you were her she there been one all we their has would when if so no will
hello world unaffable affable running runs run jumped jump want wanted unwanted playing play
bank river money deposited soldiers arrayed along king queen man woman paris france
the quick brown fox jumps over lazy dog can't don't it's 2024 100 3 14
Hello World NLP BERT Paris Héllo café naïve résumé Ωμέγα Москва привет σας σασ οδος οδοσ λογος λογοσ ΣΑΣ
""".split()
PIECES = """
##s ##ed ##ing ##er ##ly ##able ##un ##aff ##ff ##n ##t ##e ##a ##o ##i ##r ##l ##y ##d ##g
##es ##est ##ness ##ment un re pre dis ##2 ##0 ##4 ##1 ##3 ##é ##ï ##ω ##ж ##а ##р ##LP ##ERT
""".split()
CHARS = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
CHARS += list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
CHARS += list("我爱自然语言处理和中文北京天安门红楼梦贾宝玉林黛的了是一不人")
CHARS += list("，。！？：；“”‘’《》（）、…—·")
CHARS += list("éèêàçñöüßαβγδεωμνопрвиткМ")
CHARS += ["😀", "\u00bf", "\u00a1", "\u00a7", "ǅ"]


def make_vocab():
    seen, vocab = set(), []
    for t in SPECIALS + ["[unused0]", "[unused1]"] + CHARS + ["##" + c for c in CHARS[:62]] + WORDS + PIECES:
        if t not in seen:
            seen.add(t)
            vocab.append(t)
    return vocab


LONG = "a" * 100
CASES = [
    ("empty", ""),
    ("spaces_only", " \t\n\r\u3000\u00a0 "),
    ("plain", "the quick brown fox jumps over the lazy dog"),
    ("punctuation", "Hello, World! (a) [b] {c} \"d\" 'e' a-b a_b a/b a\\b $5 #1 @x ^y `z` ~w |v <u> =t +s *r &q %p"),
    ("contractions", "can't don't it's I'm"),
    ("pieces", "unaffable unwanted running played replays affable"),
    ("unknown", "xylophone qwzx ∑∫ zebra"),
    ("case", "HELLO World NLP BERT Nlp bErT"),
    ("accents", "Héllo café naïve résumé CAFÉ Ωμέγα"),
    ("decomposed_accents", "cafe\u0301 nai\u0308ve re\u0301sume\u0301 \u0301alone"),
    ("greek_cyrillic", "ΟΔΟΣ ΣΑΣ. Москва привет ПРИВЕТ"),
    ("dotted_i", "İstanbul KELVIN\u212a Å ǅemal"),
    ("cjk", "我爱自然语言处理。红楼梦，贾宝玉与林黛玉！"),
    ("mixed", "我爱NLP和BERT，也爱word2vec（2024年）。Paris是法国的首都"),
    ("fullwidth", "ＡＢＣ！＂＃，。：；？ １２３ ｈｅｌｌｏ"),
    ("cjk_compat", "\uf900\uf901 \U0002f800 \u3007\u3005 \u2f00 \U00020000x \U0002a6df"),
    ("emoji", "I love NLP 😀😀! 👍🏽 👨\u200d👩\u200d👧 🇨🇳 a😀b"),
    ("control", "a\x00b\x01c\x7fd\u200be\u200df\ufeffg\ufffdh\x1ci\x85j\u2028k\u2029l\x0bm\x0cn"),
    ("tabs_newlines", "line one\nline two\r\nthree\tfour\r\n\n"),
    ("long_word_100", LONG + " ok"),
    ("long_word_101", LONG + "a ok"),
    ("long_piece_unk", "the" + "x" * 98 + " the"),
    ("numbers", "3.14 1,000 2024-11-26 100% $100 10:30"),
    ("specials", "[CLS] the [MASK] sat on [SEP] mat [PAD][UNK] [mask] [MASK]."),
    ("special_in_word", "a[MASK]b the[SEP]"),
    ("symbols", "a+b=c ≤ ≠ © ® ™ € £ ¥ § ¶ • ‰ † ‡ ¿que? ¡si!"),
    ("dashes_quotes", "“quoted” ‘single’ — dash – en … ellipsis «guillemets» ‹a›"),
    ("hangul_kana", "한국어 텍스트 ひらがな カタカナ ｶﾀｶﾅ"),
    ("arabic_hebrew", "مرحبا بالعالم שלום"),
    ("combining_only", "\u0300\u0301 a\u0327\u0301 \u1e09"),
    ("private_unassigned", "a\ue000b \U000f0000c \u0378d \U0010ffff"),
    ("sigma_word_end", "ΣΑΣ Σ ΟΔΟΣ. ΛΟΓΟΣ'"),
    ("repeated_punct", "wait...what?!?! --- ***"),
    ("bank", "He deposited his money in this bank. His soldiers were arrayed along the river bank."),
]

TRAIN_HAND = "hug " * 10 + "pug " * 5 + "pun " * 12 + "bun " * 4 + "hugs " * 5


def main():
    vocab = make_vocab()
    with open(os.path.join(FIX, "bert_vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(vocab) + "\n")
    vmap = load_vocab(os.path.join(FIX, "bert_vocab.txt"))

    out = ["# written by tests/make_fixtures_bert_tokenizer.py (Python unicodedata %s); vocabulary"
           " tests/fixtures/bert_vocab.txt (%d tokens)" % (unicodedata.unidata_version, len(vocab))]
    for name, text in CASES:
        for lower in (1, 0):
            hexed = text.encode("utf-8").hex() or "-"
            out.append("case %s %d %s" % (name, lower, hexed))
            words = basic_tokenize(text, lower)
            toks = bert_tokenize(text, vmap, lower)
            ids = [vmap.get(t, vmap["[UNK]"]) for t in toks]
            assert all(" " not in w and w for w in words)
            out.append(" ".join(["words", str(len(words))] + words))
            out.append(" ".join(["ids", str(len(ids))] + [str(i) for i in ids]))
            out.append(" ".join(["tokens", str(len(toks))] + toks))

    kjv = open("data/en/kjv.txt", encoding="utf-8").read()[:6000]
    hlm = open("data/zh/hongloumeng.txt", encoding="utf-8").read()[:3000]
    corpora = [
        ("hand", 1, 14, 1, TRAIN_HAND),
        ("kjv", 1, 300, 1, kjv),
        ("kjv_cased", 0, 300, 1, kjv),
        ("kjv_min_pair", 1, 300, 4, kjv),  # stops early: too few pairs seen 4 times
        ("mixed", 1, 400, 1, hlm[:1500] + "\n" + kjv[:3000] + "\nNLP和BERT，word2vec！café CAFÉ"),
        ("tiny_size", 1, 20, 1, kjv[:2000]),  # the alphabet alone is larger: frequent characters stay
    ]
    for name, lower, size, min_pair, text in corpora:
        out.append("train %s %d %d %d %s" % (name, lower, size, min_pair, text.encode("utf-8").hex()))
        v = train(text, size, lower, min_pair)
        assert all(" " not in t for t in v)
        out.append(" ".join(["vocab", str(len(v))] + v))

    path = os.path.join(FIX, "bert_tokenizer.txt")
    with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)
    print("wrote %s (%d cases) and bert_vocab.txt (%d tokens)" % (path, 2 * len(CASES), len(vocab)))


if __name__ == "__main__":
    main()
