#!/usr/bin/python3
"""bench_rnn_torch.py - PyTorch's nn.LSTM on the same character language model as `bin/rnn train`,
the baseline of bench/bench_rnn.sh (chapter 04's throughput target).

The same configuration: characters of the corpus as ids (vocabulary in order of first appearance
is irrelevant to speed), embedding 64 -> nn.LSTM(64, 256) -> nn.Linear(256, V), the last 10% held
out, 32 parallel streams read in chunks of 100 steps with the state carried between chunks
(truncated BPTT), Adam (lr 2e-3), gradient clipping at 5. Prints one line:
    torch: N steps, C chars in S s: R chars/s[, validation L nats/char]
Usage: bench_rnn_torch.py [--threads N] [--steps N | --time SEC] [--validate] [--corpus FILE]
"""
import argparse
import math
import time

import torch

ap = argparse.ArgumentParser()
ap.add_argument("--corpus", default="data/en/tinyshakespeare.txt")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--time", type=float, default=0.0, help="train for this many seconds instead of --steps")
ap.add_argument("--validate", action="store_true", help="report the held-out loss at the end")
ap.add_argument("--eval-every", type=float, default=0.0, help="seconds between validations (with --time)")
a = ap.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(1)
text = open(a.corpus, encoding="utf-8").read()
chars = sorted(set(text))
idx = {c: i for i, c in enumerate(chars)}
ids = torch.tensor([idx[c] for c in text], dtype=torch.long)
V, E, H, T, B = len(chars), 64, 256, 100, 32
nval = len(ids) // 10
train, val = ids[:-nval], ids[-nval:]

emb = torch.nn.Embedding(V, E)
lstm = torch.nn.LSTM(E, H)
head = torch.nn.Linear(H, V)
params = list(emb.parameters()) + list(lstm.parameters()) + list(head.parameters())
opt = torch.optim.Adam(params, lr=2e-3)


def streams(data, b):
    s = len(data) // b
    return data[: s * b].view(b, s).t().contiguous(), s  # (S, B) time-major


def evaluate():
    with torch.no_grad():
        data, s = streams(val, B)
        state, total, count = None, 0.0, 0
        for pos in range(0, s - 1, T):
            t = min(T, s - 1 - pos)
            x, y = data[pos : pos + t], data[pos + 1 : pos + t + 1]
            out, state = lstm(emb(x), state)
            total += torch.nn.functional.cross_entropy(head(out).reshape(-1, V), y.reshape(-1), reduction="sum").item()
            count += y.numel()
        return total / count


data, S = streams(train, B)
nchunks = (S - 1) // T
state, step, chunk = None, 0, 0
t0 = time.time()
next_eval = a.eval_every
while True:
    elapsed = time.time() - t0
    if (a.time > 0 and elapsed >= a.time) or (a.time == 0 and step >= a.steps):
        break
    if chunk == nchunks:
        chunk, state = 0, None
    x, y = data[chunk * T : chunk * T + T], data[chunk * T + 1 : chunk * T + T + 1]
    chunk += 1
    out, state = lstm(emb(x), state)
    state = tuple(s.detach() for s in state)
    loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, V), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 5.0)
    opt.step()
    step += 1
    if a.eval_every > 0 and time.time() - t0 >= next_eval:
        te = time.time()
        v = evaluate()
        t0 += time.time() - te  # validation time does not count as training time
        print(f"torch: {time.time() - t0:.0f} s, step {step}: validation {v:.4f} nats/char", flush=True)
        next_eval += a.eval_every
dt = time.time() - t0
line = f"torch: {step} steps, {step * T * B} chars in {dt:.1f} s: {step * T * B / dt:.0f} chars/s"
if a.validate:
    line += f", validation {evaluate():.4f} nats/char"
print(line, flush=True)
