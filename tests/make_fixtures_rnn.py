#!/usr/bin/python3
"""make_fixtures_rnn.py - PyTorch's nn.RNN, nn.LSTM and nn.GRU as references for chapter 04.

Run with Debian's Python (apt-get install python3-torch):
    /usr/bin/python3 tests/make_fixtures_rnn.py
It rewrites tests/fixtures/rnn.txt, which is committed, so `make test` never needs PyTorch.

For each case it writes the inputs (x, h0, c0), every weight under PyTorch's own name
(weight_ih_l0, bias_hh_l0_reverse, ...), the outputs (y, h_n, c_n), and the gradients of the loss
    sum(y * dy) + sum(h_n * dhn) [+ sum(c_n * dcn)]
with respect to everything. The C test (tests/test_rnn.c) maps PyTorch's layout onto the chapter's
explicitly: the gate order is the same (LSTM i f g o, GRU r z n), bias_ih + bias_hh become one bias,
except the GRU's recurrent n-gate bias, which stays separate.

PyTorch computes in float64 here, so the reference carries no float32 rounding of its own.
Format: "tensor NAME NDIM D0 D1 ..." then the values (see tests/testutil.h).
"""
import os
import torch

from fixture_format import tensor_lines, write_fixture

torch.manual_seed(2024)
out = ["# written by tests/make_fixtures_rnn.py (PyTorch %s), float64 references" % torch.__version__]


def put(name, t):
    out.extend(tensor_lines(name, t, torch.float64))


def case(tag, kind, T, B, C, H, layers=1, bidirectional=False, final_grads=True):
    """One module, one random input and loss; everything under the prefix tag_."""
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    m = cls(C, H, num_layers=layers, bidirectional=bidirectional).double()
    # Larger than the default init, so that the gates leave their linear middle and a wrong
    # derivative shows.
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(-0.8, 0.8)
    D = 2 if bidirectional else 1
    x = torch.randn(T, B, C, dtype=torch.float64, requires_grad=True)
    h0 = (0.5 * torch.randn(layers * D, B, H, dtype=torch.float64)).requires_grad_()
    c0 = (0.5 * torch.randn(layers * D, B, H, dtype=torch.float64)).requires_grad_()
    if kind == "lstm":
        y, (hn, cn) = m(x, (h0, c0))
    else:
        y, hn = m(x, h0)
    dy = torch.randn_like(y)
    loss = (y * dy).sum()
    dhn = torch.randn_like(hn)
    if final_grads:
        loss = loss + (hn * dhn).sum()
    if kind == "lstm":
        dcn = torch.randn_like(cn)
        if final_grads:
            loss = loss + (cn * dcn).sum()
    loss.backward()
    put(f"{tag}_x", x), put(f"{tag}_h0", h0)
    if kind == "lstm":
        put(f"{tag}_c0", c0)
    for name, p in m.named_parameters():
        put(f"{tag}_{name}", p)
        put(f"{tag}_d_{name}", p.grad)
    put(f"{tag}_y", y), put(f"{tag}_hn", hn), put(f"{tag}_dy", dy)
    put(f"{tag}_dx", x.grad), put(f"{tag}_dh0", h0.grad)
    if final_grads:
        put(f"{tag}_dhn", dhn)
    if kind == "lstm":
        put(f"{tag}_cn", cn), put(f"{tag}_dc0", c0.grad)
        if final_grads:
            put(f"{tag}_dcn", dcn)


# one layer of each cell over 6 steps, with gradients into the final state too
case("rnn", "rnn", T=6, B=3, C=5, H=4)
case("lstm", "lstm", T=6, B=3, C=5, H=4)
case("gru", "gru", T=6, B=3, C=5, H=4)
# the bidirectional wrapper (one layer) and a two-layer bidirectional stack
case("bilstm", "lstm", T=5, B=2, C=3, H=4, bidirectional=True)
case("bigru", "gru", T=5, B=2, C=3, H=4, bidirectional=True)
case("stack", "lstm", T=4, B=2, C=3, H=5, layers=2, bidirectional=True, final_grads=False)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "rnn.txt")
write_fixture(path, out)
print(f"wrote {path}")
