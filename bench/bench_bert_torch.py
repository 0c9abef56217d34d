#!/usr/bin/python3
"""bench_bert_torch.py - one BERT pretraining step in PyTorch, the baseline of bench/bench_bert.c.

The model is tests/make_fixtures_bert.py's BertForPreTraining (the maths of Hugging Face's, which is
what the C model is checked against), in the benchmark's configuration. One step: forward with
dropout 0.1 (hidden and attention), the MLM head on the 15% chosen positions only (gathered, as the
original BERT code does), NSP, loss = MLM + NSP, backward, AdamW (weight decay 0.01, biases and
LayerNorm excluded). Prints one line:
    torch: step_ms=A,B,C cpu_ms=D,E,F peak_rss_mb=M
the wall-clock time of each measured step (after one warm-up step), the CPU time the process used
for it (all threads: time.process_time), and the process's peak resident memory
(resource.getrusage: kilobytes on Linux).
Usage: bench_bert_torch.py [--threads 2] [--steps 3] [--layers 4] [--hidden 256] [--heads 4]
                           [--ffn 1024] [--vocab 8000] [--seq 128] [--batch 32] [--seed 1]
"""
import argparse
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from make_fixtures_bert import BertForPreTraining, Cfg  # noqa: E402

ap = argparse.ArgumentParser()
for name, default in [("threads", 2), ("steps", 3), ("layers", 4), ("hidden", 256), ("heads", 4), ("ffn", 1024),
                      ("vocab", 8000), ("seq", 128), ("batch", 32), ("seed", 1)]:
    ap.add_argument("--" + name, type=int, default=default)
a = ap.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
c = Cfg(vocab_size=a.vocab, hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads,
        intermediate_size=a.ffn, max_position_embeddings=a.seq, type_vocab_size=2)
model = BertForPreTraining(c)
model.train()
decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=1e-4)

B, T = a.batch, a.seq
ids = torch.randint(5, a.vocab, (B, T))
segs = (torch.arange(T) >= T // 2).long().expand(B, T).contiguous()
mask = torch.ones(B, T, dtype=torch.long)
npos = max(1, round(0.15 * T))
pos = torch.cat([torch.randperm(T - 1)[:npos] + 1 + b * T for b in range(B)])
targets = torch.randint(5, a.vocab, (pos.numel(),))
nsp = torch.randint(0, 2, (B,))


def step():
    opt.zero_grad(set_to_none=True)
    mlm, ns = model.pretrain_loss(ids, segs, mask, pos, targets, nsp)
    (mlm + ns).backward()
    opt.step()


step()  # warm-up: first-touch allocations
times, cpus = [], []
for _ in range(a.steps):
    t0, c0 = time.perf_counter(), time.process_time()
    step()
    times.append((time.perf_counter() - t0) * 1000)
    cpus.append((time.process_time() - c0) * 1000)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print("torch: step_ms=" + ",".join(f"{t:.1f}" for t in times) + " cpu_ms=" + ",".join(f"{t:.1f}" for t in cpus)
      + f" peak_rss_mb={rss:.1f}")
