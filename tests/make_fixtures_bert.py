#!/usr/bin/python3
"""make_fixtures_bert.py - a PyTorch BERT, independent of the C code, and the reference values of
chapter 07's model (07_bert/model.h) computed with it.

Run with Debian's Python (apt-get install python3-torch; the transformers library is not needed):
    /usr/bin/python3 tests/make_fixtures_bert.py
It rewrites (all committed, so `make test` needs no PyTorch):
  tests/fixtures/bert_tiny/          a small random BERT in Hugging Face's layout:
      config.json                    as transformers' BertConfig.to_json_file writes it
      model.safetensors              BertForPreTraining's state dict, F32, tensors sorted by name as
                                     the safetensors library writes them, the tied decoder omitted
                                     (as save_pretrained does), plus bert.embeddings.position_ids
                                     as I64 (older transformers versions saved it; loaders skip it)
      vocab.txt                      100 WordPiece tokens: [PAD] [UNK] [CLS] [SEP] [MASK] first,
                                     English words and ## pieces, Chinese characters, punctuation
      tokenizer_config.json          do_lower_case true
                                     (so `bin/bert encode --model tests/fixtures/bert_tiny --text A
                                     --text-b B` on a pair below must give the tokens in the comment
                                     and the rows of `hidden` for that pair, padding aside)
  tests/fixtures/bert.txt            read by tests/test_bert_model.c:
      ids, segs, pad (B,T)           three [CLS] A [SEP] B [SEP] inputs (English, Chinese, mixed;
                                     tokenized here with the vocabulary above), two of them padded
      hidden (B,T,C), pooled (B,C)   the encoder's outputs
      mlm_logits (B*T,V)             the MLM head at every position
      nsp_logits (B,2)
      mlm_labels (B,T), nsp_labels (B)  a pretraining target: labels at a few positions, -100 elsewhere
      loss_mlm, loss_nsp             the two mean cross-entropies
      grad:NAME                      d(loss_mlm + loss_nsp)/d(NAME) for every parameter
  tests/fixtures/bert_tiny_rel/      the same shape with relative positions ("relative_key", distances
                                     clipped to max_relative_position 3, no position table; this
                                     project's own variant, C30), and in bert.txt under "rel:" its
                                     hidden states, pooled output, losses and the gradients of layer
                                     0's attention and of every distance table
The reference runs in float64 (so it is the exact value the float32 C code approximates) and is
written rounded to float32.

The model follows Hugging Face's BertForPreTraining (modeling_bert.py) exactly in its maths:
embeddings word + position + token_type, LayerNorm(eps from the config), dropout; post-norm layers
(self-attention with the scores divided by sqrt(head size), the additive mask (1 - mask) * min
float on padding keys, dropout on the probabilities; dense + LayerNorm; intermediate dense with
erf GELU; output dense + LayerNorm); pooler tanh(dense(h[CLS])); MLM head dense, GELU, LayerNorm,
decoder tied to the word embeddings, bias; NSP head a (2,C) linear layer. bench/bench_bert_torch.py
imports the BertForPreTraining class below.

Relative positions ("relative_key", chapter 07's C30): scores of query i and key j get + q_i . E[d]
(before the 1/sqrt(hd) scaling, as transformers does), d = clip(j - i, -R, R) + R, E a learned
(2R+1, hd) table per layer shared by the heads. transformers does not clip (R = P - 1 there).
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_format import tensor_lines, write_fixture  # noqa: E402


class Cfg:
    def __init__(self, **kw):
        self.vocab_size, self.hidden_size, self.num_hidden_layers = 100, 32, 2
        self.num_attention_heads, self.intermediate_size, self.max_position_embeddings = 4, 64, 64
        self.type_vocab_size, self.layer_norm_eps = 2, 1e-12
        self.hidden_dropout_prob = self.attention_probs_dropout_prob = 0.1
        self.initializer_range = 0.02
        self.position_embedding_type, self.max_relative_position = "absolute", 32
        self.__dict__.update(kw)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.absolute = c.position_embedding_type == "absolute"
        if self.absolute:
            self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, ids, segs):
        e = self.word_embeddings(ids) + self.token_type_embeddings(segs)
        if self.absolute:
            e = e + self.position_embeddings(torch.arange(ids.shape[1]))[None]
        return self.dropout(self.LayerNorm(e))


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        C = c.hidden_size
        self.nh, self.hd = c.num_attention_heads, C // c.num_attention_heads
        self.query, self.key, self.value = nn.Linear(C, C), nn.Linear(C, C), nn.Linear(C, C)
        self.dropout = nn.Dropout(c.attention_probs_dropout_prob)
        self.relative = c.position_embedding_type == "relative_key"
        if self.relative:  # (no clipping in transformers: R = max_position_embeddings - 1 there)
            self.R = c.max_relative_position
            self.distance_embedding = nn.Embedding(2 * self.R + 1, self.hd)

    def forward(self, x, add_mask):
        B, T, C = x.shape

        def heads(t):
            return t.view(B, T, self.nh, self.hd).transpose(1, 2)  # (B,NH,T,hd)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        s = q @ k.transpose(-1, -2)
        if self.relative:
            r = torch.arange(T)
            d = (r[None, :] - r[:, None]).clamp(-self.R, self.R) + self.R  # (T,T): j - i
            E = self.distance_embedding(d)  # (T,T,hd)
            s = s + torch.einsum("bhid,ijd->bhij", q, E)
        s = s / math.sqrt(self.hd) + add_mask
        p = self.dropout(torch.softmax(s, dim=-1))
        return (p @ v).transpose(1, 2).reshape(B, T, C)


class DenseNorm(nn.Module):
    """BertSelfOutput / BertOutput: LayerNorm(dropout(dense(h)) + residual)."""

    def __init__(self, c, fan_in):
        super().__init__()
        self.dense = nn.Linear(fan_in, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, res):
        return self.LayerNorm(self.dropout(self.dense(h)) + res)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        setattr(self, "self", SelfAttention(c))  # named "self" in the state dict, as transformers
        self.output = DenseNorm(c, c.hidden_size)

    def forward(self, x, add_mask):
        return self.output(getattr(self, "self")(x, add_mask), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x):
        return F.gelu(self.dense(x))  # the erf form


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention, self.intermediate, self.output = Attention(c), Intermediate(c), DenseNorm(c, c.intermediate_size)

    def forward(self, x, add_mask):
        a = self.attention(x, add_mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c.num_hidden_layers)])


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings, self.encoder, self.pooler = Embeddings(c), Encoder(c), Pooler(c)

    def forward(self, ids, segs, attention_mask):
        # transformers' extended attention mask: 0 where visible, the most negative float elsewhere
        dt = self.embeddings.word_embeddings.weight.dtype
        add_mask = (1.0 - attention_mask[:, None, None, :].to(dt)) * torch.finfo(dt).min
        h = self.embeddings(ids, segs)
        for layer in self.encoder.layer:
            h = layer(h, add_mask)
        pooled = torch.tanh(self.pooler.dense(h[:, 0]))
        return h, pooled


class Transform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, h):
        return self.LayerNorm(F.gelu(self.dense(h)))


class Predictions(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))
        self.transform = Transform(c)


class Heads(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = Predictions(c)
        self.seq_relationship = nn.Linear(c.hidden_size, 2)


class BertForPreTraining(nn.Module):
    """State-dict names are transformers' (the tied decoder is not a parameter of its own)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.bert, self.cls = BertModel(c), Heads(c)
        self.init_weights(c.initializer_range)

    def init_weights(self, std):
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("LayerNorm.weight"):
                    p.fill_(1.0)
                elif name.endswith("bias"):
                    p.zero_()
                else:
                    p.normal_(0.0, std)

    def mlm_logits(self, rows):
        """rows (N,C) of hidden states -> (N,V): transform, then the word embeddings transposed."""
        t = self.cls.predictions.transform(rows)
        return t @ self.bert.embeddings.word_embeddings.weight.t() + self.cls.predictions.bias

    def forward(self, ids, segs, attention_mask):
        return self.bert(ids, segs, attention_mask)

    def pretrain_loss(self, ids, segs, attention_mask, mlm_pos, mlm_targets, nsp_labels):
        """The MLM head on the flat positions mlm_pos only (as the original BERT's gather_indexes:
        the decoder's cost is for the ~15% chosen tokens, not all T), plus NSP."""
        h, pooled = self(ids, segs, attention_mask)
        rows = h.reshape(-1, h.shape[-1])[mlm_pos]
        mlm = F.cross_entropy(self.mlm_logits(rows), mlm_targets)
        nsp = F.cross_entropy(self.cls.seq_relationship(pooled), nsp_labels)
        return mlm, nsp


# ---- the Hugging Face directory -------------------------------------------------------------------

def config_json(c):
    d = {
        "architectures": ["BertForPreTraining"],
        "attention_probs_dropout_prob": c.attention_probs_dropout_prob,
        "hidden_act": "gelu",
        "hidden_dropout_prob": c.hidden_dropout_prob,
        "hidden_size": c.hidden_size,
        "initializer_range": c.initializer_range,
        "intermediate_size": c.intermediate_size,
        "layer_norm_eps": c.layer_norm_eps,
        "max_position_embeddings": c.max_position_embeddings,
        "model_type": "bert",
        "num_attention_heads": c.num_attention_heads,
        "num_hidden_layers": c.num_hidden_layers,
        "pad_token_id": 0,
        "position_embedding_type": c.position_embedding_type,
        "torch_dtype": "float32",
        "type_vocab_size": c.type_vocab_size,
        "vocab_size": c.vocab_size,
    }
    if c.position_embedding_type == "relative_key":
        d["max_relative_position"] = c.max_relative_position
    return json.dumps(d, indent=2, sort_keys=True) + "\n"


def save_safetensors(path, tensors):
    """The safetensors format by hand (the Python package is not in Debian): tensors sorted by
    name, compact JSON header with "__metadata__" first, padded with spaces to 8 bytes."""
    names = sorted(tensors)
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for n in names:
        t = tensors[n].contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        b = t.numpy().tobytes()
        header[n] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(path + ".tmp", path)


VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
         ".", ",", "!", "?", "'", "。", "，", "！", "？",
         "the", "bank", "is", "near", "river", "he", "deposited", "his", "money", "in", "this", "soldiers",
         "were", "arrayed", "along", "a", "it", "was", "to", "and", "of", "i", "we", "run", "fast", "be",
         "model", "learn", "play", "cat", "dog", "sat", "on", "mat", "good", "day", "new", "city", "too",
         "tired", "narrow", "street", "animal", "didn", "cross", "t", "because",
         "##s", "##rt", "##ed", "##ing", "##ly", "##er", "##t", "##e", "##n",
         "我", "们", "在", "北", "京", "学", "习", "上", "海", "到", "中", "国", "人", "的", "是", "了",
         "不", "大", "小", "天", "好", "银", "行", "河", "边", "钱", "存", "他", "她", "你"]
assert len(VOCAB) == 100 and len(set(VOCAB)) == 100


def basic_tokens(text):
    """BERT's basic tokenizer, enough for the fixture's texts: lower-case, punctuation and every
    CJK character a token of its own, split on white space."""
    out, cur = [], ""
    for ch in text.lower():
        cjk = 0x4E00 <= ord(ch) <= 0x9FFF
        punct = not ch.isalnum() and not ch.isspace()
        if ch.isspace() or cjk or punct:
            if cur:
                out.append(cur)
            cur = ""
            if cjk or punct:
                out.append(ch)
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def wordpiece(word, vocab):
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            s = ("##" if start else "") + word[start:end]
            if s in vocab:
                break
            end -= 1
        if end == start:
            return ["[UNK]"]
        pieces.append(("##" if start else "") + word[start:end])
        start = end
    return pieces


def encode(text, vocab):
    return [t for w in basic_tokens(text) for t in wordpiece(w, vocab)]


PAIRS = [("He deposited his money in this bank.", "The soldiers were along the river bank."),  # English
         ("我们在北京学习。", "他到上海了！"),                                                 # Chinese
         ("BERT在北京 runs fast!", "你好")]                                                    # mixed


def test_model(c):
    model = BertForPreTraining(c)
    with torch.no_grad():  # larger than BERT's 0.02 so that every part of the model matters
        for name, p in model.named_parameters():
            if name.endswith("LayerNorm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.uniform_(-0.2, 0.2)
            else:
                p.normal_(0.0, 0.3)
    model.eval()  # no dropout: the C side evaluates with rng = NULL
    return model


def save_dir(d, model, c, position_ids):
    os.makedirs(d, exist_ok=True)
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if position_ids:
        sd["bert.embeddings.position_ids"] = torch.arange(c.max_position_embeddings, dtype=torch.int64)[None]
    save_safetensors(os.path.join(d, "model.safetensors"), sd)
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write(config_json(c))
    with open(os.path.join(d, "vocab.txt"), "w") as f:
        f.write("\n".join(VOCAB) + "\n")
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        f.write(json.dumps({"do_lower_case": True, "model_max_length": c.max_position_embeddings,
                            "tokenizer_class": "BertTokenizer"}, indent=2) + "\n")


def main():
    torch.manual_seed(7)
    here = os.path.dirname(os.path.abspath(__file__))
    c = Cfg()
    model = test_model(c)

    vocab = {t: i for i, t in enumerate(VOCAB)}
    seqs, segl = [], []
    for a, b in PAIRS:
        ta, tb = encode(a, vocab), encode(b, vocab)
        toks = ["[CLS]"] + ta + ["[SEP]"] + tb + ["[SEP]"]
        seqs.append([vocab[t] for t in toks])
        segl.append([0] * (len(ta) + 2) + [1] * (len(tb) + 1))
    B, T = len(seqs), max(len(s) for s in seqs)
    ids = torch.zeros(B, T, dtype=torch.long)
    segs = torch.zeros(B, T, dtype=torch.long)
    mask = torch.zeros(B, T, dtype=torch.long)
    for i, (s, g) in enumerate(zip(seqs, segl)):
        ids[i, :len(s)], segs[i, :len(g)], mask[i, :len(s)] = torch.tensor(s), torch.tensor(g), 1
    # a pretraining target: a few positions of each sequence with the token to predict
    gen = torch.Generator().manual_seed(3)
    labels = torch.full((B, T), -100, dtype=torch.long)
    for i, s in enumerate(seqs):
        for t in torch.randperm(len(s) - 1, generator=gen)[:3].tolist():
            labels[i, t + 1] = int(torch.randint(0, c.vocab_size, (1,), generator=gen))
    nsp = torch.tensor([0, 1, 0])

    # ---- the directory (float32, as published checkpoints) ----
    d = os.path.join(here, "fixtures", "bert_tiny")
    save_dir(d, model, c, True)
    crel = Cfg(position_embedding_type="relative_key", max_relative_position=3)
    mrel = test_model(crel)
    save_dir(os.path.join(here, "fixtures", "bert_tiny_rel"), mrel, crel, False)

    # ---- the reference values, in float64 ----
    m64 = model.double()
    h, pooled = m64(ids, segs, mask)
    out = []

    def put(name, t):
        out.extend(tensor_lines(name, t))

    put("ids", ids), put("segs", segs), put("pad", 1 - mask)
    put("hidden", h), put("pooled", pooled)
    put("mlm_logits", m64.mlm_logits(h.reshape(B * T, -1)))
    put("nsp_logits", m64.cls.seq_relationship(pooled))
    pos = (labels.reshape(-1) != -100).nonzero().reshape(-1)
    lm, ln = m64.pretrain_loss(ids, segs, mask, pos, labels.reshape(-1)[pos], nsp)
    (lm + ln).backward()
    put("mlm_labels", labels), put("nsp_labels", nsp)
    put("loss_mlm", lm.reshape(1)), put("loss_nsp", ln.reshape(1))
    for name, p in m64.named_parameters():
        put("grad:" + name, p.grad)
    r64 = mrel.double()
    h, pooled = r64(ids, segs, mask)
    put("rel:hidden", h), put("rel:pooled", pooled)
    lm, ln = r64.pretrain_loss(ids, segs, mask, pos, labels.reshape(-1)[pos], nsp)
    (lm + ln).backward()
    put("rel:loss_mlm", lm.reshape(1)), put("rel:loss_nsp", ln.reshape(1))
    for name, p in r64.named_parameters():
        if "distance_embedding" in name or "layer.0.attention" in name or "word_embeddings" in name:
            put("rel:grad:" + name, p.grad)
    texts = [f"# pair {i}: {a!r} / {b!r} -> {' '.join(VOCAB[j] for j in s)}" for i, ((a, b), s) in
             enumerate(zip(PAIRS, seqs))]
    path = os.path.join(here, "fixtures", "bert.txt")
    write_fixture(path, out, [f"# written by tests/make_fixtures_bert.py with torch {torch.__version__}; do not edit",
                              "# the model is tests/fixtures/bert_tiny/ (float32); the values are float64 rounded"] + texts)
    print(f"wrote {path} and {d}/")


if __name__ == "__main__":
    main()
