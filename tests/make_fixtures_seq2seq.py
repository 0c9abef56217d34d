#!/usr/bin/python3
"""make_fixtures_seq2seq.py - references for chapter 05 (05_seq2seq_attention): PyTorch for the two
attention layers and for whole encoder-decoder models, nltk and a hand-written BLEU for the metric.

Run with Debian's Python (apt-get install python3-torch python3-nltk):
    /usr/bin/python3 tests/make_fixtures_seq2seq.py
It rewrites tests/fixtures/seq2seq.txt, which is committed, so `make test` needs no Python.

What it writes (format "tensor NAME NDIM D0 D1 ..." then the values, see tests/testutil.h):
 - dot_* and add_*: one attention layer each (05_seq2seq_attention/attention.h), inputs q (T,B,H),
   enc (S,B,H) (additive: wq, wk (A,H), va (A)), an upstream gradient R for ctx, and the outputs
   alpha (T,B,S), ctx (T,B,H) with the gradients of sum(ctx * R) for every input.
 - m<k>_*: a whole model (encdec.h) written in PyTorch from nn.GRU / nn.LSTM, under the chapter's
   own parameter names and layout, with a batch (src (S,B), tgt_in, tgt_out (T,B), time-major),
   the loss and the gradient of every parameter (g.<name>). The layout mapping (chapter 04's
   cells.h): wx = weight_ih, wh = weight_hh, b = bias_ih + bias_hh, except the GRU's n block where
   b = bias_ih alone and bhn = bias_hh's n block. Since bias_ih and bias_hh enter the same sum,
   the gradient of b is bias_ih's gradient.
 - bleu_*: corpus BLEU of hand-made corpora (the same sentences are written out in
   tests/test_seq2seq.c), computed twice here, by nltk's corpus_bleu and by bleu() below, which
   must agree before anything is written.

PyTorch computes in float64, so the references carry no float32 rounding of their own.
"""
import math
import os
from collections import Counter

import torch

from fixture_format import tensor_lines, write_fixture

torch.manual_seed(5)
out = ["# written by tests/make_fixtures_seq2seq.py (PyTorch %s); do not edit" % torch.__version__]


def put(name, t):
    out.extend(tensor_lines(name, t, torch.float64, 12))


# ---- attention layers -------------------------------------------------------------------------
def attention(q, enc, kind, wq=None, wk=None, va=None):
    """q (T,B,H), enc (S,B,H) -> alpha (T,B,S), ctx (T,B,H)."""
    if kind == "dot":
        scores = torch.einsum("tbh,sbh->tbs", q, enc)
    else:
        qp = q @ wq.T                      # (T,B,A)
        kp = enc @ wk.T                    # (S,B,A)
        u = torch.tanh(qp[:, :, None, :] + kp.permute(1, 0, 2)[None, :, :, :])  # (T,B,S,A)
        scores = u @ va
    alpha = torch.softmax(scores, dim=-1)
    ctx = torch.einsum("tbs,sbh->tbh", alpha, enc)
    return alpha, ctx


def attention_case(tag, kind, T, S, B, H, A):
    q = (torch.randn(T, B, H, dtype=torch.float64)).requires_grad_()
    enc = (torch.randn(S, B, H, dtype=torch.float64)).requires_grad_()
    R = torch.randn(T, B, H, dtype=torch.float64)
    extra = {}
    if kind == "additive":
        extra = {"wq": (0.5 * torch.randn(A, H, dtype=torch.float64)).requires_grad_(),
                 "wk": (0.5 * torch.randn(A, H, dtype=torch.float64)).requires_grad_(),
                 "va": torch.randn(A, dtype=torch.float64).requires_grad_()}
    alpha, ctx = attention(q, enc, kind, **extra)
    (ctx * R).sum().backward()
    for name, t in [("q", q), ("enc", enc), ("R", R)] + list(extra.items()):
        put(f"{tag}_{name}", t)
    put(f"{tag}_alpha", alpha)
    put(f"{tag}_ctx", ctx)
    for name, t in [("q", q), ("enc", enc)] + list(extra.items()):
        put(f"{tag}_d{name}", t.grad)


attention_case("dot", "dot", T=3, S=5, B=2, H=6, A=0)
attention_case("add", "additive", T=3, S=5, B=2, H=6, A=4)


# ---- whole models -----------------------------------------------------------------------------
def cell_params(prefix, rnn, suffix, kind, H, store):
    """Chapter 04's layout of one direction of one layer of a PyTorch RNN module."""
    wih = getattr(rnn, "weight_ih_" + suffix)
    whh = getattr(rnn, "weight_hh_" + suffix)
    bih = getattr(rnn, "bias_ih_" + suffix)
    bhh = getattr(rnn, "bias_hh_" + suffix)
    store.append((prefix + ".wx", wih, lambda: wih.grad))
    store.append((prefix + ".wh", whh, lambda: whh.grad))
    if kind == "gru":
        b = torch.cat([bih[:2 * H] + bhh[:2 * H], bih[2 * H:]])
        store.append((prefix + ".b", b, lambda: bih.grad))
        store.append((prefix + ".bhn", bhh[2 * H:], lambda: bhh.grad[2 * H:]))
    else:
        store.append((prefix + ".b", bih + bhh, lambda: bih.grad))


def model_case(tag, kind, attn, layers, bidir, Vs, Vt, E, H, A, src_lists, tgt_lists):
    D = 2 if bidir else 1
    He = H // D
    cls = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind]
    src_emb = torch.nn.Embedding(Vs, E).double()
    tgt_emb = torch.nn.Embedding(Vt, E).double()
    enc = cls(E, He, num_layers=layers, bidirectional=bidir).double()
    dec = cls(E + H, H).double()
    wq = torch.nn.Linear(H, A, bias=False).double() if attn == "additive" else None
    wk = torch.nn.Linear(H, A, bias=False).double() if attn == "additive" else None
    va = torch.nn.Parameter(torch.randn(A, dtype=torch.float64) * 0.5) if attn == "additive" else None
    out_l = torch.nn.Linear(2 * H, H).double()
    proj = torch.nn.Linear(H, Vt).double()
    with torch.no_grad():  # larger than the default init, so that a wrong derivative shows
        for mod in (enc, dec):
            for p in mod.parameters():
                p.uniform_(-0.6, 0.6)
    B, S = len(src_lists), len(src_lists[0])
    T = max(len(t) for t in tgt_lists) + 1
    src = torch.tensor(src_lists).T  # (S,B)
    tgt_in = torch.zeros(T, B, dtype=torch.long)
    tgt_out = torch.full((T, B), -1, dtype=torch.long)
    for b, t in enumerate(tgt_lists):
        tgt_in[0, b] = 1  # <bos>
        for i, y in enumerate(t):
            tgt_in[i + 1, b] = y
            tgt_out[i, b] = y
        tgt_out[len(t), b] = 2  # <eos>

    # the model of encdec.h
    mem, _ = enc(src_emb(src))                                    # (S,B,H)
    summary = mem[S - 1, :, :He]
    if bidir:
        summary = torch.cat([summary, mem[0, :, He:]], dim=1)     # (B,H)
    xd = torch.cat([tgt_emb(tgt_in), summary[None].expand(T, B, H)], dim=2)
    h0 = summary[None]
    hd, _ = dec(xd, h0 if kind == "gru" else (h0, torch.zeros_like(h0)))
    if attn == "none":
        ctx = summary[None].expand(T, B, H)
    else:
        _, ctx = attention(hd, mem, attn, wq.weight if wq else None, wk.weight if wk else None, va)
    o = torch.tanh(out_l(torch.cat([hd, ctx], dim=2)))
    logits = proj(o)
    loss = torch.nn.functional.cross_entropy(logits.reshape(T * B, Vt), tgt_out.reshape(-1), ignore_index=-1)
    loss.backward()

    # parameters in the chapter's names and layout, with their gradients
    store = [("src_emb", src_emb.weight, lambda: src_emb.weight.grad),
             ("tgt_emb", tgt_emb.weight, lambda: tgt_emb.weight.grad)]
    for l in range(layers):
        for d in range(D):
            cell_params(f"enc.l{l}{'r' if d else ''}", enc, f"l{l}{'_reverse' if d else ''}", kind, He, store)
    cell_params("dec", dec, "l0", kind, H, store)
    if attn == "additive":
        store += [("attn.wq", wq.weight, lambda: wq.weight.grad), ("attn.wk", wk.weight, lambda: wk.weight.grad),
                  ("attn.va", va, lambda: va.grad)]
    store += [("out.w", out_l.weight, lambda: out_l.weight.grad), ("out.b", out_l.bias, lambda: out_l.bias.grad),
              ("proj.w", proj.weight, lambda: proj.weight.grad), ("proj.b", proj.bias, lambda: proj.bias.grad)]
    put(f"{tag}_src", src)
    put(f"{tag}_tgt_in", tgt_in)
    put(f"{tag}_tgt_out", tgt_out)
    put(f"{tag}_loss", loss.reshape(1))
    put(f"{tag}_logits", logits)
    for name, w, g in store:
        put(f"{tag}_{name}", w)
        put(f"{tag}_g.{name}", g())


# Sources of equal length (as the chapter batches them), targets of different lengths (padding).
SRC = [[4, 5, 6, 7], [8, 4, 9, 5]]
TGT = [[4, 7, 5, 9, 6], [8, 5]]
model_case("m1", "gru", "additive", layers=1, bidir=True, Vs=10, Vt=11, E=4, H=6, A=5, src_lists=SRC, tgt_lists=TGT)
model_case("m2", "lstm", "dot", layers=2, bidir=False, Vs=10, Vt=11, E=4, H=6, A=0, src_lists=SRC, tgt_lists=TGT)
model_case("m3", "gru", "none", layers=1, bidir=True, Vs=10, Vt=11, E=4, H=6, A=0, src_lists=SRC, tgt_lists=TGT)


# ---- BLEU -------------------------------------------------------------------------------------
def bleu(hyps, refs_list):
    """Corpus BLEU exactly as bleu.h defines it (0 if any precision is 0)."""
    match, total = [0] * 4, [0] * 4
    c = r = 0
    for hyp, refs in zip(hyps, refs_list):
        c += len(hyp)
        r += min((abs(len(x) - len(hyp)), len(x)) for x in refs)[1]
        for n in range(1, 5):
            grams = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
            best = Counter()
            for x in refs:
                for g, k in Counter(tuple(x[i:i + n]) for i in range(len(x) - n + 1)).items():
                    best[g] = max(best[g], k)
            match[n - 1] += sum(min(k, best[g]) for g, k in grams.items())
            total[n - 1] += max(len(hyp) - n + 1, 0)
    if c == 0 or min(match) == 0:
        return 0.0
    bp = 1.0 if c > r else math.exp(1 - r / c)
    return 100 * bp * math.exp(sum(math.log(m / t) for m, t in zip(match, total)) / 4)


# The corpora of tests/test_seq2seq.c (bleu_matches_nltk): each sentence "hyp | ref1 | ref2 ...",
# tokens separated by spaces.
BLEU_CASES = {
    "bleu_papineni": [  # Papineni et al.'s candidate 1 with its three references
        "it is a guide to action which ensures that the military always obeys the commands of the party"
        " | it is a guide to action that ensures that the military will forever heed party commands"
        " | it is the guiding principle which guarantees the military forces always being under the command of the party"
        " | it is the practical guide for the army always to heed the directions of the party",
    ],
    "bleu_chars": [  # character-level Chinese, two sentences, one with two references
        "我 很 喜 欢 这 本 书 。 | 我 非 常 喜 欢 这 本 书 。",
        "他 明 天 会 来 吗 ？ | 他 明 天 来 吗 ？ | 明 天 他 会 来 吗 ？",
    ],
    "bleu_short": [  # shorter than the references: the brevity penalty bites
        "the cat sat on the mat | the cat sat on the red mat today",
        "a b c d e | a b c d e f g",
    ],
    "bleu_long": [  # longer than the closest reference: no penalty; repeated words clipped
        "the the the cat is on the mat mat | the cat is on the mat",
    ],
}
try:
    from nltk.translate.bleu_score import corpus_bleu
except ImportError:
    corpus_bleu = None
for name, lines in BLEU_CASES.items():
    hyps, refs = [], []
    for line in lines:
        parts = [p.split() for p in line.split("|")]
        hyps.append(parts[0])
        refs.append(parts[1:])
    mine = bleu(hyps, refs)
    if corpus_bleu is not None:
        theirs = 100 * corpus_bleu(refs, hyps)
        assert abs(mine - theirs) < 1e-9, (name, mine, theirs)
    put(name, [mine])

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "seq2seq.txt")
write_fixture(path, out)
print(f"wrote {path} ({len(out)} lines){'' if corpus_bleu else ' (nltk missing: BLEU not cross-checked)'}")
