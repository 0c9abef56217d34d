#!/usr/bin/python3
"""make_fixtures_transformer.py - PyTorch reference values for chapter 06 (the transformer).

Run with Debian's Python (apt-get install python3-torch):
    /usr/bin/python3 tests/make_fixtures_transformer.py
It rewrites tests/fixtures/transformer.txt (committed, so `make test` needs no PyTorch), read by
tests/test_transformer.c. Inputs and weights are drawn here (seeded) and written beside the
outputs, so the C code runs on the very same numbers.

What is compared, and how the weights map (PyTorch name -> the C model's):
  nn.MultiheadAttention  in_proj_weight (3C,C) = [q_proj; k_proj; v_proj].weight stacked,
                         in_proj_bias likewise, out_proj.weight/bias = out_proj.
  nn.TransformerEncoderLayer (batch_first, dropout 0): self_attn as above, linear1, linear2,
                         norm1, norm2; post-norm (norm_first=False, ReLU, as in the paper) and
                         pre-norm (norm_first=True, GELU, as in GPT-2).
  nn.TransformerDecoderLayer (post-norm, dropout 0): self_attn, multihead_attn (-> cross_attn),
                         linear1, linear2, norm1, norm2, norm3; causal tgt_mask and a memory
                         key-padding mask.
  F.cross_entropy(label_smoothing=0.1, ignore_index=-100).
Each block is run forward, then backward from a fixed random dout; the fixture holds the output,
the input gradients and every weight gradient, under the C parameter names.
Format: "tensor NAME NDIM D0 D1 ..." then the values.
"""
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_format import tensor_lines, write_fixture

torch.manual_seed(2024)
torch.set_default_dtype(torch.float32)
out = []


def put(name, t):
    out.extend(tensor_lines(name, t))


def randomise(module):
    """Every parameter uniform in [-0.5, 0.5] (zero biases and unit gains would test less)."""
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.5, 0.5)


def mha_params(prefix, mha, grads=False):
    """nn.MultiheadAttention's packed weights as the C layout's eight tensors."""
    C = mha.embed_dim
    W = mha.in_proj_weight.grad if grads else mha.in_proj_weight
    b = mha.in_proj_bias.grad if grads else mha.in_proj_bias
    wo = mha.out_proj.weight.grad if grads else mha.out_proj.weight
    bo = mha.out_proj.bias.grad if grads else mha.out_proj.bias
    res = []
    for i, n in enumerate(["q_proj", "k_proj", "v_proj"]):
        res.append((f"{prefix}.{n}.weight", W[i * C:(i + 1) * C]))
        res.append((f"{prefix}.{n}.bias", b[i * C:(i + 1) * C]))
    res.append((f"{prefix}.out_proj.weight", wo))
    res.append((f"{prefix}.out_proj.bias", bo))
    return res


def lin_params(prefix, lin, grads=False):
    g = (lambda p: p.grad) if grads else (lambda p: p)
    return [(f"{prefix}.weight", g(lin.weight)), (f"{prefix}.bias", g(lin.bias))]


def put_params(tag, pairs):
    for name, t in pairs:
        put(f"{tag}:{name}", t)


B, T, S, C, NH, FF = 2, 4, 5, 8, 2, 16

# ---- multi-head attention: cross-attention with a key-padding mask --------------------------------
mha = nn.MultiheadAttention(C, NH, dropout=0.0, batch_first=True)
randomise(mha)
xq = torch.randn(B, T, C, requires_grad=True)
xkv = torch.randn(B, S, C, requires_grad=True)
kpm = torch.zeros(B, S, dtype=torch.bool)
kpm[1, 3:] = True  # the second sequence's source has 3 tokens and 2 of padding
y, att = mha(xq, xkv, xkv, key_padding_mask=kpm, need_weights=True, average_attn_weights=False)
dy = torch.randn(B, T, C)
y.backward(dy)
put("mha_xq", xq), put("mha_xkv", xkv), put("mha_pad", kpm.float()), put("mha_dout", dy)
put_params("mha_w", mha_params("attn", mha))
put("mha_out", y), put("mha_att", att), put("mha_dxq", xq.grad), put("mha_dxkv", xkv.grad)
put_params("mha_g", mha_params("attn", mha, grads=True))

# ---- encoder layers: post-norm ReLU (paper) and pre-norm GELU (GPT-2) ----------------------------
for tag, norm_first, act in [("enc_post", False, "relu"), ("enc_pre", True, "gelu")]:
    layer = nn.TransformerEncoderLayer(C, NH, dim_feedforward=FF, dropout=0.0, activation=act,
                                       batch_first=True, norm_first=norm_first)
    randomise(layer)
    layer.train()  # the plain path (the fused eval fast path would skip nothing here, but be sure)
    x = torch.randn(B, T, C, requires_grad=True)
    pad = torch.zeros(B, T, dtype=torch.bool)
    pad[0, 3:] = True
    y = layer(x, src_key_padding_mask=pad)
    dy = torch.randn(B, T, C)
    y.backward(dy)

    def params(grads=False):
        return (mha_params("l.self_attn", layer.self_attn, grads) + lin_params("l.norm1", layer.norm1, grads)
                + lin_params("l.linear1", layer.linear1, grads) + lin_params("l.linear2", layer.linear2, grads)
                + lin_params("l.norm2", layer.norm2, grads))

    put(f"{tag}_x", x), put(f"{tag}_pad", pad.float()), put(f"{tag}_dout", dy)
    put_params(f"{tag}_w", params())
    put(f"{tag}_out", y), put(f"{tag}_dx", x.grad)
    put_params(f"{tag}_g", params(grads=True))

# ---- decoder layer: post-norm, causal self-attention, padded memory ------------------------------
dec = nn.TransformerDecoderLayer(C, NH, dim_feedforward=FF, dropout=0.0, activation="relu", batch_first=True,
                                 norm_first=False)
randomise(dec)
dec.train()
yin = torch.randn(B, T, C, requires_grad=True)
mem = torch.randn(B, S, C, requires_grad=True)
causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)  # True = may not look
mpad = torch.zeros(B, S, dtype=torch.bool)
mpad[0, 4:] = True
z = dec(yin, mem, tgt_mask=causal, memory_key_padding_mask=mpad)
dz = torch.randn(B, T, C)
z.backward(dz)


def dec_params(grads=False):
    return (mha_params("l.self_attn", dec.self_attn, grads) + lin_params("l.norm1", dec.norm1, grads)
            + mha_params("l.cross_attn", dec.multihead_attn, grads) + lin_params("l.norm2", dec.norm2, grads)
            + lin_params("l.linear1", dec.linear1, grads) + lin_params("l.linear2", dec.linear2, grads)
            + lin_params("l.norm3", dec.norm3, grads))


put("dec_y", yin), put("dec_mem", mem), put("dec_mpad", mpad.float()), put("dec_dout", dz)
put_params("dec_w", dec_params())
put("dec_out", z), put("dec_dy", yin.grad), put("dec_dmem", mem.grad)
put_params("dec_g", dec_params(grads=True))

# ---- label-smoothed cross-entropy ----------------------------------------------------------------
logits = (torch.randn(6, 7) * 2).requires_grad_()
targets = torch.tensor([3, 0, -100, 6, 1, 2])
loss = F.cross_entropy(logits, targets, ignore_index=-100, label_smoothing=0.1)
loss.backward()
put("ls_logits", logits), put("ls_targets", targets.float()), put("ls_loss", loss.reshape(1))
put("ls_dlogits", logits.grad)
put("ls_nll", F.cross_entropy(logits, targets, ignore_index=-100).reshape(1))

# ---- sinusoidal positions, the Annotated Transformer's formula ------------------------------------
Tp, Cp = 50, 16
pe = torch.zeros(Tp, Cp)
pos = torch.arange(0, Tp, dtype=torch.float64).unsqueeze(1)
div = torch.exp(torch.arange(0, Cp, 2, dtype=torch.float64) * -(math.log(10000.0) / Cp))
pe[:, 0::2] = torch.sin(pos * div).float()
pe[:, 1::2] = torch.cos(pos * div).float()
put("pe_50x16", pe)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "transformer.txt")
write_fixture(path, out, [f"# written by tests/make_fixtures_transformer.py with torch {torch.__version__}; do not edit"])
print(f"wrote {path}")
