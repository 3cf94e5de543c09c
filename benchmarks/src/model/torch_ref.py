"""PyTorch timing twin of the avey-ts model benchmarks (benchmarks/src/model/torch.ts runs it).

A small re-implementation of Avey-B (official rimads/avey-b HEAD 8f3ed57 computation, with the
ranker vectorised like packages/avey-b/src/ranker.ts) and of the pre-LN Transformer baseline, with
the same presets, the same MLM training step (full-vocabulary tied head, cross-entropy with
ignore_index -100, AdamW) and the same inference measurement (encoder forward, no grad).
It is for timing only: the numerical parity with the official code is tested in packages/avey-b.

  python3 torch_ref.py train --model avey-b --preset small --batch 4 --seq-len 512 --steps 3
  python3 torch_ref.py infer --model transformer --preset small --seq-lens 512,2048 --batch 1
Prints one JSON object on stdout.
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

AVEY = {
    "tiny": dict(vocab=8192, d=64, layers=4, S=32, k=2),
    "small": dict(vocab=8192, d=256, layers=8, S=64, k=3),
    "base": dict(vocab=50368, d=768, layers=30, S=256, k=3),
}
TRANSFORMER = {
    "tiny": dict(vocab=8192, d=64, layers=4, heads=4),
    "small": dict(vocab=8192, d=256, layers=8, heads=4),
    "base": dict(vocab=50368, d=768, layers=12, heads=12),
}


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


class AveyLayer(nn.Module):
    def __init__(self, d, S, static, eps):
        super().__init__()
        m = 4 * d
        self.m4, self.static, self.eps = m // 4, static, eps
        self.norm = nn.Parameter(torch.ones(d))
        self.enricher = nn.Linear(d, m)
        self.spatial_proj = nn.Parameter(torch.randn(S, S) * math.sqrt(1.0 / S)) if static else None
        self.fuser = nn.Linear(3 * m // 4, d)
        self.alpha = nn.Parameter(torch.ones(1))

    def forward(self, x):  # (M, S, d)
        z = F.gelu(self.enricher(rms_norm(x, self.norm, self.eps)))
        m4 = self.m4
        v, gate, bypass = z[..., :m4], z[..., m4:2 * m4], z[..., 2 * m4:]
        if self.static:
            mixed = self.spatial_proj @ v
        else:
            vn = F.normalize(v, dim=-1)
            mixed = F.normalize(vn @ vn.transpose(-1, -2), p=1, dim=-1) @ v
        return self.fuser(torch.cat([gate * mixed, bypass], -1)) + self.alpha * x


class Avey(nn.Module):
    def __init__(self, vocab, d, layers, S, k, eps=1e-6):
        super().__init__()
        self.S, self.k, self.eps = S, k, eps
        self.embed = nn.Embedding(vocab, d)
        nn.init.xavier_normal_(self.embed.weight)
        self.layers = nn.ModuleList([AveyLayer(d, S, i % 2 == 0, eps) for i in range(layers)])
        self.down_proj = nn.Parameter(torch.randn(S, (k + 1) * S) * math.sqrt(2.0 / (S + (k + 1) * S)))

    def encode(self, ids):
        x = self.embed(ids)
        B, T, E = x.shape
        S, k = self.S, self.k
        N = max(1, -(-T // S))
        Tp = N * S
        xp = F.pad(x, (0, 0, 0, Tp - T)) if Tp != T else x
        Xc = xp.view(B, N, S, E)
        h = self.down_proj[:, k * S:] @ Xc + Xc
        if N > 1:
            xn = xp / (xp.norm(dim=-1, keepdim=True) + self.eps)
            sims = xn @ xn.transpose(1, 2)  # (B, T', T')
            scores = sims.view(B, Tp, N, S).amax(-1).view(B, N, S, N).sum(2)  # (B, N, N)
            causal = torch.ones(N, N, dtype=torch.bool).tril(-1)
            scores = scores.masked_fill(~causal, float("-inf"))
            kk = min(k, N - 1)
            vals, idx = scores.topk(kk, dim=-1)  # (B, N, kk)
            valid = torch.isfinite(vals)
            vmin = torch.where(valid, vals, torch.full_like(vals, float("inf"))).amin(-1, keepdim=True)
            w = torch.where(valid, vals / (vmin + self.eps), torch.zeros_like(vals))
            src = torch.where(valid, idx, torch.zeros_like(idx)) + (torch.arange(B) * N).view(B, 1, 1)
            G = Xc.reshape(B * N, S, E)[src.reshape(-1)].view(B, N, kk, S, E) * w.view(B, N, kk, 1, 1)
            P = self.down_proj[:, (k - kk) * S:k * S]
            h = P @ G.reshape(B, N, kk * S, E) + h
        y = h.reshape(B * N, S, E)
        for layer in self.layers:
            y = layer(y)
        return y.reshape(B, Tp, E)[:, :T]

    def tied(self):
        return self.embed.weight


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.attn_norm, self.mlp_norm = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        B, T, d = x.shape
        H, dh = self.h, d // self.h
        q, k_, v = self.qkv(self.attn_norm(x)).view(B, T, 3, H, dh).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k_.transpose(-1, -2) / math.sqrt(dh), -1)  # (B, H, T, T)
        x = x + self.out((att @ v).transpose(1, 2).reshape(B, T, d))
        return x + self.fc2(F.gelu(self.fc1(self.mlp_norm(x))))


class Transformer(nn.Module):
    def __init__(self, vocab, d, layers, heads, max_pos):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_pos, d)
        self.layers = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(d)

    def encode(self, ids):
        x = self.embed(ids) + self.pos(torch.arange(ids.shape[1]))
        for layer in self.layers:
            x = layer(x)
        return self.final_norm(x)

    def tied(self):
        return self.embed.weight


def build(model, preset, max_len):
    if model == "avey-b":
        c = AVEY[preset]
        return Avey(c["vocab"], c["d"], c["layers"], c["S"], c["k"]), c["vocab"]
    c = TRANSFORMER[preset]
    return Transformer(c["vocab"], c["d"], c["layers"], c["heads"], max(max_len, 2048)), c["vocab"]


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def train(a):
    torch.manual_seed(0)
    model, vocab = build(a.model, a.preset, a.seq_len)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}], lr=1e-4, betas=(0.9, 0.98), eps=1e-6)
    g = torch.Generator().manual_seed(0)
    n = a.batch * a.seq_len
    times = []
    for s in range(a.warmup + a.steps):
        ids = torch.randint(0, vocab, (a.batch, a.seq_len), generator=g)
        labels = torch.full((n,), -100, dtype=torch.long)
        pos = torch.randperm(n, generator=g)[: max(1, round(0.2 * n))]
        labels[pos] = ids.view(-1)[pos]
        t0 = time.perf_counter()
        h = model.encode(ids)
        logits = h @ model.tied().t()
        loss = F.cross_entropy(logits.view(n, vocab), labels, ignore_index=-100)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.item()
        dt = time.perf_counter() - t0
        if s >= a.warmup:
            times.append(dt)
    med = statistics.median(times)
    return {"kind": "train", "model": a.model, "preset": a.preset, "batch": a.batch, "seq_len": a.seq_len, "steps": a.steps,
            "tokens_per_s": round(n / med, 1), "best_tokens_per_s": round(n / min(times), 1), "median_step_ms": round(med * 1000, 1),
            "step_ms": [round(t * 1000, 1) for t in times], "peak_rss_mb": peak_rss_mb()}


def infer(a):
    torch.manual_seed(0)
    lens = [int(x) for x in a.seq_lens.split(",")]
    model, vocab = build(a.model, a.preset, max(lens))
    model.eval()
    g = torch.Generator().manual_seed(0)
    rows = []
    with torch.no_grad():
        for L in lens:
            ids = torch.randint(0, vocab, (a.batch, L), generator=g)
            # warm-up: at least --warmup forwards and at least --warmup-seconds (the same rule as avey-ts)
            w0, r = time.perf_counter(), 0
            while r < a.warmup or time.perf_counter() - w0 < a.warmup_seconds:
                model.encode(ids).sum().item()
                r += 1
            times = []
            for r in range(a.repeats):
                t0 = time.perf_counter()
                model.encode(ids).sum().item()
                times.append(time.perf_counter() - t0)
            med = statistics.median(times)
            rows.append({"seq_len": L, "latency_s": round(med, 4), "min_latency_s": round(min(times), 4),
                         "tokens_per_s": round(a.batch * L / med), "peak_rss_mb": peak_rss_mb()})
    return {"kind": "infer", "model": a.model, "preset": a.preset, "batch": a.batch, "results": rows, "peak_rss_mb": peak_rss_mb()}


def blas_threads():
    """Threads of the OpenBLAS pool GEMMs run on (it has its own pool: torch.set_num_threads does
    not size it), or None where torch uses another BLAS."""
    try:
        import ctypes
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line and line.split()[-1].startswith("/")}
        for path in sorted(libs):
            lib = ctypes.CDLL(path)
            if hasattr(lib, "openblas_get_num_threads"):
                return int(lib.openblas_get_num_threads())
    except OSError:
        pass
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "infer"])
    p.add_argument("--model", default="avey-b", choices=["avey-b", "transformer"])
    p.add_argument("--preset", default="small", choices=["tiny", "small", "base"])
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seq-len", type=int, default=512)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--seq-lens", default="512,2048,8192")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--warmup-seconds", type=float, default=0.0)
    p.add_argument("--threads", type=int, default=0,
                   help="torch.set_num_threads (0: leave torch's default); the BLAS pool is sized by "
                        "OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, which the caller sets before the library loads")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    res = train(a) if a.mode == "train" else infer(a)
    res["env"] = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas_threads": blas_threads()}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
