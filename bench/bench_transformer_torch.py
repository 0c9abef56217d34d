#!/usr/bin/python3
"""bench_transformer_torch.py - PyTorch's nn.TransformerEncoder on the configuration of
bench/bench_transformer.c (chapter 06's throughput target), the baseline it prints a ratio against.

One training step: a stack of post-norm encoder layers (nn.TransformerEncoderLayer: ReLU, dropout 0,
batch_first), loss = sum(output * R) for a fixed random R, backward (input gradient included, as
the C side computes it), Adam. Prints one line:
    torch: N steps of B x T tokens in S s: R tokens/s
Usage: bench_transformer_torch.py [--threads N] [--steps N] [--layers 4] [--dim 256] [--heads 4]
                                  [--ffn 1024] [--seq 128] [--batch 32]
"""
import argparse
import time

import torch
import torch.nn as nn

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--steps", type=int, default=3)
ap.add_argument("--layers", type=int, default=4)
ap.add_argument("--dim", type=int, default=256)
ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--ffn", type=int, default=1024)
ap.add_argument("--seq", type=int, default=128)
ap.add_argument("--batch", type=int, default=32)
a = ap.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(1)
layer = nn.TransformerEncoderLayer(a.dim, a.heads, a.ffn, dropout=0.0, activation="relu", batch_first=True,
                                   norm_first=False)
try:
    enc = nn.TransformerEncoder(layer, a.layers, enable_nested_tensor=False)
except TypeError:  # older PyTorch without the argument
    enc = nn.TransformerEncoder(layer, a.layers)
enc.train()
x = torch.randn(a.batch, a.seq, a.dim, requires_grad=True)
r = torch.randn(a.batch, a.seq, a.dim)
opt = torch.optim.Adam(enc.parameters(), lr=1e-4)


def step():
    opt.zero_grad()
    x.grad = None
    loss = (enc(x) * r).sum()
    loss.backward()
    opt.step()


step()  # warm-up: first-touch allocations
t0 = time.perf_counter()
for _ in range(a.steps):
    step()
dt = time.perf_counter() - t0
tokens = a.steps * a.batch * a.seq
print(f"torch: {a.steps} steps of {a.batch} x {a.seq} tokens in {dt:.3f} s: {tokens / dt:.1f} tokens/s")
