#!/usr/bin/env python3
"""The PyTorch side of `npm run bench:compare`: the same BERT shapes, steps and thread count as
`lora-lab bench train|infer`, in plain PyTorch (no transformers needed), on the CPU.

Prints one JSON object per case on stdout. Usage:
  python3 bench/pytorch_reference.py --model tiny --method full --mode train --batch 32 --seq 128 --threads 2 --steps 10
"""
import argparse
import json
import math
import resource
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # the caller turns this into advice
    print(json.dumps({"error": "torch-missing"}))
    sys.exit(3)

SHAPES = {
    "tiny": dict(layers=2, hidden=128, heads=2, ff=512),
    "small": dict(layers=4, hidden=256, heads=4, ff=512),
    "minilm": dict(layers=6, hidden=384, heads=12, ff=1536),
    # DistilBERT: BERT-base's width at half the depth, no token types, a ReLU pre-classifier for a pooler.
    "distilbert": dict(layers=6, hidden=768, heads=12, ff=3072, distil=True),
    "base": dict(layers=12, hidden=768, heads=12, ff=3072),
}
VOCAB, POSITIONS, TYPES, LABELS = 30522, 512, 2, 9


class LoRALinear(nn.Module):
    def __init__(self, base, r=8, alpha=16):
        super().__init__()
        self.base = base
        self.a = nn.Parameter(torch.empty(r, base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale


class Layer(nn.Module):
    def __init__(self, h, heads, ff):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        self.ff1, self.ff2 = nn.Linear(h, ff), nn.Linear(ff, h)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, bias):
        b, t, h = x.shape
        d = h // self.heads

        def split(y):
            return y.view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + bias
        probs = self.drop(scores.softmax(-1))
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, h)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.ff2(F.gelu(self.ff1(x)))))


class Bert(nn.Module):
    def __init__(self, layers, hidden, heads, ff, distil=False):
        super().__init__()
        self.distil = distil
        self.word = nn.Embedding(VOCAB, hidden)
        self.pos = nn.Embedding(POSITIONS, hidden)
        self.typ = None if distil else nn.Embedding(TYPES, hidden)
        self.ln = nn.LayerNorm(hidden, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList(Layer(hidden, heads, ff) for _ in range(layers))
        self.pool = nn.Linear(hidden, hidden)
        self.cls = nn.Linear(hidden, LABELS)

    def forward(self, ids, mask):
        t = ids.shape[1]
        pos = torch.arange(t).unsqueeze(0)
        x = self.word(ids) + self.pos(pos)
        if self.typ is not None:
            x = x + self.typ(torch.zeros_like(ids))
        x = self.drop(self.ln(x))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        pooled = self.pool(x[:, 0])
        return self.cls(self.drop(torch.relu(pooled) if self.distil else torch.tanh(pooled)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=SHAPES, default="tiny")
    p.add_argument("--method", choices=["full", "lora"], default="full")
    p.add_argument("--mode", choices=["train", "infer"], default="train")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Bert(**SHAPES[a.model])
    if a.method == "lora":
        for prm in model.parameters():
            prm.requires_grad_(False)
        for layer in model.layers:
            layer.q, layer.v = LoRALinear(layer.q), LoRALinear(layer.v)
        for prm in model.cls.parameters():
            prm.requires_grad_(True)
    trainable = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=1e-4, weight_decay=0.01)
    ids = torch.randint(0, VOCAB, (a.batch, a.seq))
    mask = torch.ones(a.batch, a.seq, dtype=torch.long)
    labels = torch.randint(0, LABELS, (a.batch,))

    def step():
        if a.mode == "train":
            model.train()
            loss = F.cross_entropy(model(ids, mask), labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        else:
            model.eval()
            with torch.no_grad():
                model(ids, mask)

    for _ in range(a.warmup):
        step()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "impl": "pytorch", "torch": torch.__version__, "model": a.model, "method": a.method, "mode": a.mode,
        "batch": a.batch, "seq": a.seq, "threads": a.threads, "steps": a.steps,
        "trainable_params": sum(q.numel() for q in trainable),
        "examples_per_second": a.batch * a.steps / seconds,
        "seconds_per_step": seconds / a.steps,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
