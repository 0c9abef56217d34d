#!/usr/bin/python3
"""make_fixtures.py - reference values from PyTorch for the C kernels' tests.

Run with Debian's Python (apt-get install python3-torch):
    /usr/bin/python3 tests/make_fixtures.py
It rewrites tests/fixtures/reference.txt, which is committed, so `make test` never needs PyTorch.
Inputs are drawn here (seeded) and written beside the outputs, so the C tests feed the very same
numbers to their kernels. Format: "tensor NAME NDIM D0 D1 ..." then the values.
"""
import os
import torch
import torch.nn.functional as F

from fixture_format import tensor_lines, write_fixture

torch.manual_seed(1234)
torch.set_default_dtype(torch.float32)
out = []


def put(name, t):
    out.extend(tensor_lines(name, t))


# matmul: C = A @ B
A, B = torch.randn(5, 7), torch.randn(7, 3)
put("matmul_A", A), put("matmul_B", B), put("matmul_C", A @ B)

# softmax / log-softmax, one row with huge logits to exercise stability
x = torch.randn(4, 7) * 3
x[2] += 1000.0
put("softmax_x", x), put("softmax_y", torch.softmax(x, -1)), put("log_softmax_y", torch.log_softmax(x, -1))

# cross-entropy with an ignored position (-100), mean over the counted rows, and its gradient
logits = (torch.randn(5, 7) * 2).requires_grad_()
targets = torch.tensor([3, 0, -100, 6, 1])
loss = F.cross_entropy(logits, targets, ignore_index=-100)
loss.backward()
put("ce_logits", logits), put("ce_targets", targets.float()), put("ce_loss", loss.reshape(1)), put("ce_dlogits", logits.grad)

# layer norm with a large mean (the one-pass variance formula fails this), forward and backward
xl = (torch.randn(4, 10) * 2 + 50).requires_grad_()
w, b = torch.randn(10).requires_grad_(), torch.randn(10).requires_grad_()
y = F.layer_norm(xl, (10,), w, b, eps=1e-5)
dy = torch.randn(4, 10)
y.backward(dy)
put("ln_x", xl), put("ln_w", w), put("ln_b", b), put("ln_y", y), put("ln_dy", dy)
put("ln_dx", xl.grad), put("ln_dw", w.grad), put("ln_db", b.grad)

# GELU (erf form), tanh, sigmoid on a spread of values incl. large ones
xg = torch.cat([torch.linspace(-8, 8, 17), torch.randn(15) * 3]).requires_grad_()
yg = F.gelu(xg)
dg = torch.randn(32)
yg.backward(dg)
put("gelu_x", xg), put("gelu_y", yg), put("gelu_dy", dg), put("gelu_dx", xg.grad)
put("tanh_y", torch.tanh(xg)), put("sigmoid_y", torch.sigmoid(xg))

# optimisers: 3 steps from the same start with the same gradients
w0 = torch.randn(6)
grads = [torch.randn(6) for _ in range(3)]
put("opt_w0", w0)
for i, g in enumerate(grads):
    put(f"opt_g{i}", g)


def run(make):
    p = torch.nn.Parameter(w0.clone())
    opt = make([p])
    for g in grads:
        p.grad = g.clone()
        opt.step()
    return p


put("opt_sgd", run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01)))
put("opt_adam", run(lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)))
put("opt_adamw", run(lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)))

# gradient clipping by global norm
gc = torch.nn.Parameter(torch.zeros(8))
gc.grad = torch.randn(8) * 5
put("clip_g", gc.grad.clone())
norm = torch.nn.utils.clip_grad_norm_([gc], max_norm=1.0)
put("clip_norm", norm.reshape(1)), put("clip_g_after", gc.grad)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "reference.txt")
write_fixture(path, out, [f"# written by tests/make_fixtures.py with torch {torch.__version__}; do not edit"])
print(f"wrote {path}")
