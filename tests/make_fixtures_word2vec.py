#!/usr/bin/python3
"""make_fixtures_word2vec.py - PyTorch reference values for chapter 02's window model.

Run with Debian's Python (apt-get install python3-torch):
    /usr/bin/python3 tests/make_fixtures_word2vec.py
It rewrites tests/fixtures/word2vec.txt (committed). A word2vec window is M input vectors
against N output vectors with one label per output; the loss is the sum of the M x N binary
logistic losses, and training takes one plain SGD step on it. Three cases: skip-gram with
negative sampling (labels 1, 0, 0, ...), hierarchical softmax (labels = 1 - Huffman code bits),
and CBOW (the inputs averaged into one hidden vector first).
"""
import os
import torch
import torch.nn.functional as F

from fixture_format import tensor_lines, write_fixture

torch.manual_seed(2024)
torch.set_default_dtype(torch.float32)
out = []


def put(name, t):
    out.extend(tensor_lines(name, t))


LR = 0.1
D = 10


def window(prefix, M, labels):
    N = labels.numel()
    x = (torch.randn(M, D) * 0.5).requires_grad_()
    w = (torch.randn(N, D) * 0.5).requires_grad_()
    logits = x @ w.T
    loss = F.binary_cross_entropy_with_logits(logits, labels.expand(M, N), reduction="sum")
    loss.backward()
    put(f"{prefix}_in", x), put(f"{prefix}_out", w), put(f"{prefix}_labels", labels)
    put(f"{prefix}_logits", logits), put(f"{prefix}_loss", loss.reshape(1))
    put(f"{prefix}_din", x.grad), put(f"{prefix}_dout", w.grad)
    put(f"{prefix}_in_after", x - LR * x.grad), put(f"{prefix}_out_after", w - LR * w.grad)


window("sg", 4, torch.tensor([1.0, 0, 0, 0, 0, 0]))
window("hs", 6, torch.tensor([1.0, 0, 1, 1, 0]))

# CBOW: h = mean of the context rows, one prediction from h
ctx = (torch.randn(5, D) * 0.5).requires_grad_()
w = (torch.randn(6, D) * 0.5).requires_grad_()
labels = torch.tensor([1.0, 0, 0, 0, 0, 0])
h = ctx.mean(0, keepdim=True)
h.retain_grad()
logits = h @ w.T
loss = F.binary_cross_entropy_with_logits(logits, labels.expand(1, 6), reduction="sum")
loss.backward()
put("cbow_ctx", ctx), put("cbow_out", w), put("cbow_labels", labels), put("cbow_h", h)
put("cbow_loss", loss.reshape(1)), put("cbow_dh", h.grad), put("cbow_dctx", ctx.grad), put("cbow_dout", w.grad)
put("lr", torch.tensor([LR]))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "word2vec.txt")
write_fixture(path, out, ["# chapter 02 window model: written by tests/make_fixtures_word2vec.py (PyTorch "
                         + torch.__version__ + ")"])
print("wrote", path)
