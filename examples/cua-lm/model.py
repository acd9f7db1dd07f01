"""model.py - a small character-level causal language model (a GPT: token and
position embeddings, pre-norm transformer blocks, a tied output layer) and
the places CUA adapters go: before a projection layer W, W(U x), U a
tnemu.torch.CayleyAdapter (block-diagonal, orthogonal, U = I at the start).

Not for: the data (corpus.py), the experiment (cua_lm.py).
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

# Projection layers an adapter can sit in front of, by name; their input width
# is d_model for all but mlp_proj (4 d_model).
SITES = ("qkv", "attn_proj", "mlp_fc", "mlp_proj")


class Adapted(nn.Module):
    """W(U x): a frozen projection after an adapter."""

    def __init__(self, linear, adapter):
        super().__init__()
        self.linear, self.adapter = linear, adapter

    def forward(self, x):
        return self.linear(self.adapter(x))


class Block(nn.Module):
    def __init__(self, d_model, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.attn_proj = nn.Linear(d_model, d_model)
        self.mlp_fc = nn.Linear(d_model, 4 * d_model)
        self.mlp_proj = nn.Linear(4 * d_model, d_model)

    def attention(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        return self.attn_proj((att @ v).transpose(1, 2).reshape(b, t, c))

    def forward(self, x):
        x = x + self.attention(self.ln1(x))
        return x + self.mlp_proj(F.gelu(self.mlp_fc(self.ln2(x))))


class CharLM(nn.Module):
    def __init__(self, vocab, d_model=128, layers=2, heads=4, context=64):
        super().__init__()
        self.context = context
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList(Block(d_model, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(d_model)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t))
        for block in self.blocks:
            x = block(x)
        return self.ln(x) @ self.tok.weight.T   # tied output layer

    def loss(self, idx, targets):
        logits = self(idx)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    def insert_adapters(self, sites, make_adapter):
        """Puts make_adapter(in_features) in front of each named projection of
        every block; returns the adapters in order (block by block)."""
        adapters = []
        for block in self.blocks:
            for name in sites:
                linear = getattr(block, name)
                if isinstance(linear, Adapted):
                    raise ValueError("adapters are already in place at " + name)
                adapter = make_adapter(linear.in_features)
                setattr(block, name, Adapted(linear, adapter))
                adapters.append(adapter)
        return adapters

    def remove_adapters(self):
        for block in self.blocks:
            for name in SITES:
                layer = getattr(block, name)
                if isinstance(layer, Adapted):
                    setattr(block, name, layer.linear)
