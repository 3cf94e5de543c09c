"""Avey-B masked LM in PyTorch with the official parameter names and computation, for continuing an
avey-ts run on several processes / machines (pretrain_ddp.py).

The state_dict is exactly the official `AveyForMaskedLM`'s (rimads/avey-b, commit 8f3ed57):
`embed.weight`, `layers.{i}.norm.weight`, `layers.{i}.enricher.{weight,bias}`,
`layers.{i}.spatial_proj` (static layers: even i), `layers.{i}.fuser.{weight,bias}`,
`layers.{i}.alpha`, `ranker.down_proj`; the MLM head is tied to `embed.weight`. Written for
PyTorch >= 1.13 (no nn.RMSNorm, no transformers needed). `AveyConfig` mirrors the official
configuration class's signature and the way `transformers.PretrainedConfig` keeps extra keys.

Math (x: (B, T, E); S = chunk_size; N = ceil(T / S) chunks, T zero-padded to N*S):
  ranker:  for chunk i, score every earlier chunk j < i by sum over the tokens t of chunk i of
           max over the tokens u of chunk j of cos(x_t, x_u) (cosine with x / (|x| + eps));
           keep the top min(i, k); weight each by score / (min kept score + eps); concatenate
           [kept chunks (best first), chunk i], left-pad with zeros to (k+1)S rows:  C_i (L, E);
           h_i = down_proj (S, L) @ C_i + x_i
  layer:   z = gelu(enricher(rmsnorm(h))) (M, S, 4E) split as [v | gate | bypass] (E, E, 2E);
           static:  mixed = spatial_proj (S, S) @ v
           dynamic: n = v / max(|v|, eps);  mixed = l1rownorm(n n^T) @ v
           h <- fuser([gate * mixed, bypass]) + alpha * h
  output:  hidden (B, T, E) = layers' output, unpadded; logits = hidden @ embed.weight^T
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

MODEL_TYPE = "avey-b"


class AveyConfig:
    """Mirror of the official `AveyConfig(PretrainedConfig)`: same constructor signature and defaults;
    extra keyword arguments become attributes, as PretrainedConfig does with them."""

    model_type = MODEL_TYPE

    def __init__(self, vocab_size=50304, context_len=512, d_embed=768, n_layers=26, chunk_size=128, k=3, eps=1e-12, **kwargs):
        self.vocab_size = vocab_size
        self.d_embed = d_embed
        self.n_layers = n_layers
        self.chunk_size = chunk_size
        self.k = k
        self.eps = eps
        self.max_position_embeddings = context_len
        self.hidden_size = d_embed
        # PretrainedConfig.__init__: num_labels / id2label (int keys), problem_type checked, the rest set as attributes
        id2label = kwargs.pop("id2label", None)
        num_labels = kwargs.pop("num_labels", None)
        if id2label is not None:
            self.id2label = {int(i): l for i, l in id2label.items()}
            if num_labels is not None and num_labels != len(self.id2label):
                raise ValueError(f"num_labels {num_labels} disagrees with id2label ({len(self.id2label)} labels)")
        else:
            self.id2label = {i: f"LABEL_{i}" for i in range(num_labels if num_labels is not None else 2)}
        self.label2id = kwargs.pop("label2id", {l: i for i, l in self.id2label.items()})
        problem_type = kwargs.pop("problem_type", None)
        if problem_type not in (None, "regression", "single_label_classification", "multi_label_classification"):
            raise ValueError(f"problem_type {problem_type!r} is not one PretrainedConfig accepts")
        self.problem_type = problem_type
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classmethod
    def from_dict(cls, d):
        """What AutoConfig / from_pretrained do: refuse another model_type, then cls(**d)."""
        if d.get("model_type", MODEL_TYPE) != MODEL_TYPE:
            raise ValueError(f"config.json has model_type {d.get('model_type')!r}; the official AveyConfig is {MODEL_TYPE!r}")
        return cls(**{k: v for k, v in d.items() if k != "model_type"})

    def to_dict(self):
        out = {k: v for k, v in self.__dict__.items() if v is not None}
        out["id2label"] = {str(i): l for i, l in self.id2label.items()}
        out["model_type"] = MODEL_TYPE
        return out


# config.json fields of avey-ts's research switches (packages/avey-b/src/config.ts AVEY_SWITCH_KEYS,
# mask_mode aside: it only concerns attention masks, which this twin does not take)
RESEARCH_SWITCHES = (
    "parameterization", "row_norm", "compression", "ranker", "contextualiser", "layer_pattern",
    "compressor_residual", "enricher_activation", "final_norm", "residual",
)


def load_config(folder):
    """The AveyConfig of a folder; "avey" (avey-ts checkpoints written before "avey-b") is read as "avey-b"."""
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        d = json.load(f)
    if d.get("model_type") == "avey":
        d["model_type"] = MODEL_TYPE
    # avey-ts research switches (docs/avey-b.md §4) are written only when not official; this twin
    # computes the official model, so a folder that uses one is refused rather than run differently
    switches = {k: d[k] for k in RESEARCH_SWITCHES if k in d}
    if switches:
        raise ValueError(f"{folder}: config.json sets avey-ts research switches {switches}; the PyTorch twin implements the official model only")
    return AveyConfig.from_dict(d)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return rms_norm(x, self.weight, self.eps)


class Layer(nn.Module):
    def __init__(self, cfg, static):
        super().__init__()
        d, S = cfg.d_embed, cfg.chunk_size
        self.static, self.eps = static, cfg.eps
        self.norm = RMSNorm(d, cfg.eps)
        self.enricher = nn.Linear(d, 4 * d)
        if static:
            self.spatial_proj = nn.Parameter(torch.empty(S, S))
            nn.init.xavier_normal_(self.spatial_proj)
        self.fuser = nn.Linear(3 * d, d)
        self.alpha = nn.Parameter(torch.tensor(1.0))

    def forward(self, h):  # (M, S, E)
        z = F.gelu(self.enricher(self.norm(h)))  # (M, S, 4E)
        half = z.shape[-1] // 2
        v, gate = z[..., :half].chunk(2, dim=-1)  # (M, S, E) each
        bypass = z[..., half:]  # (M, S, 2E)
        if self.static:
            mixed = self.spatial_proj @ v
        else:
            n = F.normalize(v, p=2, dim=-1)
            mixed = F.normalize(n @ n.transpose(-1, -2), p=1, dim=-1) @ v
        return self.fuser(torch.cat([gate * mixed, bypass], dim=-1)) + self.alpha * h


class Ranker(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.S, self.k, self.eps = cfg.chunk_size, cfg.k, cfg.eps
        self.down_proj = nn.Parameter(torch.empty(self.S, (self.k + 1) * self.S))
        nn.init.xavier_normal_(self.down_proj)

    def forward(self, x):  # (B, T, E) -> (B*N, S, E), N
        B, T, E = x.shape
        S, L = self.S, (self.k + 1) * self.S
        N = -(-T // S)
        if N * S != T:
            x = torch.cat([x, x.new_zeros(B, N * S - T, E)], dim=1)
        chunks = x.view(B, N, S, E)
        unit = x / (x.norm(dim=-1, keepdim=True) + self.eps)  # (B, N*S, E)
        units = unit.view(B, N, S, E)
        out = []
        for i in range(N):
            cur = chunks[:, i]  # (B, S, E)
            parts = [cur]
            kk = min(i, self.k)
            if kk > 0:
                sims = units[:, i].unsqueeze(1) @ units[:, :i].transpose(-1, -2)  # (B, i, S, S)
                scores = sims.amax(-1).sum(-1)  # (B, i)
                vals, idx = scores.topk(kk, dim=1)  # best first
                w = vals / (vals.amin(-1, keepdim=True) + self.eps)  # (B, kk)
                sel = chunks[:, :i].gather(1, idx.view(B, kk, 1, 1).expand(B, kk, S, E)) * w.view(B, kk, 1, 1)
                parts = [sel.reshape(B, kk * S, E), cur]
            ctx = torch.cat(parts, dim=1)
            if ctx.shape[1] < L:
                ctx = torch.cat([ctx.new_zeros(B, L - ctx.shape[1], E), ctx], dim=1)
            out.append(self.down_proj @ ctx + cur)  # (B, S, E)
        return torch.stack(out, dim=1).reshape(B * N, S, E), N


class AveyForMaskedLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_embed)
        nn.init.xavier_normal_(self.embed.weight)
        self.layers = nn.ModuleList([Layer(cfg, static=(i % 2 == 0)) for i in range(cfg.n_layers)])
        self.ranker = Ranker(cfg)

    def hidden(self, input_ids):  # (B, T) -> (B, T, E)
        B, T = input_ids.shape
        h, N = self.ranker(self.embed(input_ids))
        for layer in self.layers:
            h = layer(h)
        return h.reshape(B, N * self.config.chunk_size, -1)[:, :T]

    def forward(self, input_ids, labels=None):
        logits = self.hidden(input_ids) @ self.embed.weight.t()  # (B, T, V)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
        return logits, loss


def load_folder(folder, map_location="cpu"):
    """(model, config) from an avey-ts or official checkpoint folder; load_state_dict(strict=True)."""
    from st_io import read

    cfg = load_config(folder)
    model = AveyForMaskedLM(cfg)
    weights, _ = read(os.path.join(folder, "model.safetensors"))
    model.load_state_dict({k: v.float() for k, v in weights.items()}, strict=True)
    return model.to(map_location), cfg


def save_folder(folder, model, cfg):
    """config.json (model_type "avey-b", every official field) + model.safetensors (official names)."""
    from st_io import write

    os.makedirs(folder, exist_ok=True)
    d = cfg.to_dict()
    d["architectures"] = ["AveyForMaskedLM"]
    d["torch_dtype"] = "float32"
    tmp = os.path.join(folder, f".config.json.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(folder, "config.json"))
    write(os.path.join(folder, "model.safetensors"), {k: v for k, v in model.state_dict().items()}, {"format": "pt"})


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


__all__ = ["AveyConfig", "AveyForMaskedLM", "load_config", "load_folder", "save_folder", "count_parameters"]
