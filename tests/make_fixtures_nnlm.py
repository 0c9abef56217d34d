#!/usr/bin/python3
"""make_fixtures_nnlm.py - PyTorch reference values for chapter 03's neural language model.

Run with Debian's Python (apt-get install python3-torch):
    /usr/bin/python3 tests/make_fixtures_nnlm.py
It rewrites tests/fixtures/nnlm.txt, which is committed, so `make test` never needs PyTorch.

The model is Bengio et al.'s NNLM exactly as 03_nnlm/nnlm.c computes it, written independently
with torch's own layers: x = concatenated embeddings of the context ids, h = tanh(Linear(x)),
logits = Linear([h, x]) with the direct connections (Linear(h) without), mean cross-entropy.
Weights, ids and targets are drawn here (seeded) and written beside the outputs and every
gradient, so the C test feeds the very same numbers to its model. Two variants: with direct
connections ("d_" prefix) and without ("n_").
"""
import os
import torch
import torch.nn.functional as F

from fixture_format import tensor_lines, write_fixture

torch.manual_seed(2003)
torch.set_default_dtype(torch.float32)
out = []


def put(name, t):
    out.extend(tensor_lines(name, t))


V, CTX, DIM, HID, B = 11, 3, 5, 6, 8


def variant(prefix, direct):
    emb = (torch.randn(V, DIM) * 0.5).requires_grad_()
    hid_w = (torch.randn(HID, CTX * DIM) * 0.3).requires_grad_()
    hid_b = (torch.randn(HID) * 0.1).requires_grad_()
    feat = HID + (CTX * DIM if direct else 0)
    out_w = (torch.randn(V, feat) * 0.3).requires_grad_()
    out_b = (torch.randn(V) * 0.1).requires_grad_()
    ctx = torch.randint(0, V, (B, CTX))
    ctx[0] = 0  # a sentence start: the context is all </s>
    ctx[1, 1] = ctx[1, 0]  # a word read twice: its row gets both gradients
    targets = torch.randint(0, V, (B,))

    x = F.embedding(ctx, emb).reshape(B, CTX * DIM)
    h = torch.tanh(F.linear(x, hid_w, hid_b))
    f = torch.cat([h, x], 1) if direct else h
    logits = F.linear(f, out_w, out_b)
    loss = F.cross_entropy(logits, targets)
    loss.backward()

    for name, t in [("emb", emb), ("hid_w", hid_w), ("hid_b", hid_b), ("out_w", out_w), ("out_b", out_b)]:
        put(prefix + name, t)
    put(prefix + "ctx", ctx.float())
    put(prefix + "targets", targets.float())
    put(prefix + "logits", logits)
    put(prefix + "loss", loss.reshape(1))
    for name, t in [("emb", emb), ("hid_w", hid_w), ("hid_b", hid_b), ("out_w", out_w), ("out_b", out_b)]:
        put(prefix + "grad_" + name, t.grad)


variant("d_", True)
variant("n_", False)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "nnlm.txt")
write_fixture(path, out, ["# written by tests/make_fixtures_nnlm.py (torch %s); do not edit" % torch.__version__,
                         f"# NNLM V={V} context={CTX} dim={DIM} hidden={HID} batch={B}"])
print("wrote", path)
