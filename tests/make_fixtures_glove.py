#!/usr/bin/python3
"""make_fixtures_glove.py - PyTorch reference values for chapter 02's GloVe objective.

Run with Debian's Python (apt-get install python3-torch):
    /usr/bin/python3 tests/make_fixtures_glove.py
It rewrites tests/fixtures/glove.txt (committed). The model is 7 words of dimension 5: word vectors
W, context vectors C, biases bw, bc, in the C code's flat order (W, C, bw, bc). The loss over the
12 entries (i, j, x) of tests/test_glove.c is
    J = 1/2 sum f(x) (W_i . C_j + bw_i + bc_j - log x)^2,   f(x) = min(1, (x / x_max)^0.75),
with x_max = 10; autograd gives every gradient.
"""
import os
import torch

from fixture_format import tensor_lines, write_fixture

torch.manual_seed(2025)
V, D, XMAX, POWER = 7, 5, 10.0, 0.75
# the entries of tests/test_glove.c (small_entries)
E = [(0, 1, 3.0), (1, 0, 3.0), (0, 2, 0.5), (2, 3, 25.0), (3, 2, 25.0), (4, 4, 1.0), (5, 6, 7.5), (6, 0, 0.25),
     (1, 5, 12.0), (3, 1, 2.0), (2, 6, 9.99), (6, 6, 40.0)]

params = (torch.rand(V * (2 * D + 2)) - 0.5).requires_grad_()
W = params[:V * D].view(V, D)
C = params[V * D:2 * V * D].view(V, D)
bw = params[2 * V * D:2 * V * D + V]
bc = params[2 * V * D + V:]
i = torch.tensor([e[0] for e in E])
j = torch.tensor([e[1] for e in E])
x = torch.tensor([e[2] for e in E], dtype=torch.float32)
f = torch.clamp((x / XMAX) ** POWER, max=1.0)
r = (W[i] * C[j]).sum(1) + bw[i] + bc[j] - torch.log(x)
loss = 0.5 * (f * r * r).sum()
loss.backward()

out = []
out.extend(tensor_lines("params", params))
out.extend(tensor_lines("loss", loss.reshape(1)))
out.extend(tensor_lines("grad", params.grad))
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "glove.txt")
write_fixture(path, out, ["# GloVe objective: params (W, C, bw, bc flat), loss, grad; from tests/make_fixtures_glove.py"])
print("wrote", path)
