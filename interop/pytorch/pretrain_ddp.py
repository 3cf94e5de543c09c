"""Data-parallel MLM pretraining of Avey-B in PyTorch (DDP), continuing from an avey-ts checkpoint
folder and writing one that avey-ts loads.

  torchrun --nproc_per_node 2 interop/pytorch/pretrain_ddp.py \
      --init runs/my-run/checkpoints/step-000200 --batches batches.safetensors \
      --steps 1000 --lr 1e-3 --warmup-steps 100 --out runs/my-run-ddp

On several machines: the usual `torchrun --nnodes M --node_rank R --master_addr HOST ...`.

--init DIR: config.json (model_type "avey-b" or "avey") + model.safetensors (official names),
    loaded with load_state_dict(strict=True); tokenizer.json is copied to --out when present.
--batches FILE: the `avey pretrain --batches` format: integer input_ids and labels [N, B, T]
    (labels -100 = not scored). Step s on rank r of W uses batch s*W + r, so every step sees
    W*B sequences; each rank's loss is the mean over its labelled positions and DDP averages
    the gradients over ranks.
Optimiser and schedule are avey-ts's (and the trajectory fixture's): torch.optim.AdamW with weight
decay only on parameters with 2+ dimensions, clip_grad_norm_ (norm before clipping is logged), and
a 0-based warmup-cosine (or constant) LambdaLR. The optimiser state is not carried over from
avey-ts (fresh moments), and is not written back.
--out DIR: config.json + model.safetensors (+ tokenizer.json) + log.jsonl (rank 0): an avey-ts
    checkpoint folder (`avey fill-mask --checkpoint DIR`, `avey pretrain --init DIR`, ...).
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from avey_model import load_folder, save_folder, count_parameters  # noqa: E402
from st_io import read  # noqa: E402


def schedule(kind, warmup, total):
    def f(s):  # 0-based step
        if kind == "constant":
            return 1.0
        if s < warmup:
            return s / max(1, warmup)
        progress = min(1.0, (s - warmup) / max(1, total - warmup))
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    return f


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--init", required=True, help="avey-ts or official checkpoint folder")
    p.add_argument("--batches", required=True, help="safetensors with integer input_ids and labels [N, B, T]")
    p.add_argument("--out", required=True, help="checkpoint folder to write")
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--adam-beta1", type=float, default=0.9)
    p.add_argument("--adam-beta2", type=float, default=0.95)
    p.add_argument("--adam-eps", type=float, default=1e-8)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--grad-clip", type=float, default=1.0, help="0 = off")
    p.add_argument("--warmup-steps", type=int, default=0)
    p.add_argument("--schedule", choices=["warmup-cosine", "constant"], default="warmup-cosine")
    p.add_argument("--seed", type=int, default=11)
    return p.parse_args()


def fail(msg):
    print(f"pretrain_ddp: {msg}", file=sys.stderr)
    sys.exit(2)


def main():
    a = parse()
    distributed = "WORLD_SIZE" in os.environ
    if distributed:
        dist.init_process_group("gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    torch.manual_seed(a.seed)

    if not os.path.exists(os.path.join(a.init, "config.json")):
        fail(f"--init {a.init!r} has no config.json")
    model, cfg = load_folder(a.init)
    data, _ = read(a.batches)
    ids = data.get("input_ids", data.get("batch.input_ids"))
    labels = data.get("labels", data.get("batch.labels"))
    if ids is None or labels is None or ids.dim() != 3 or ids.shape != labels.shape or ids.is_floating_point() or labels.is_floating_point():
        fail(f"--batches {a.batches!r} must hold integer input_ids and labels of one shape [N, B, T]")
    if int(ids.max()) >= cfg.vocab_size or int(ids.min()) < 0:
        fail(f"--batches {a.batches!r}: token ids must be in [0, {cfg.vocab_size})")
    if a.steps * world > ids.shape[0]:
        fail(f"--batches {a.batches!r} holds {ids.shape[0]} batches; --steps {a.steps} on {world} processes needs {a.steps * world}")

    params = list(model.parameters())
    ddp = DDP(model) if distributed else model
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": a.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=a.lr, betas=(a.adam_beta1, a.adam_beta2), eps=a.adam_eps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule(a.schedule, a.warmup_steps, a.steps))

    log = None
    if rank == 0:
        os.makedirs(a.out, exist_ok=True)
        log = open(os.path.join(a.out, "log.jsonl"), "w", encoding="utf-8")
        print(f"pretrain_ddp: {count_parameters(model)} parameters, {world} process(es), {a.steps} steps, "
              f"{world}x{ids.shape[1]}x{ids.shape[2]} tokens per step", file=sys.stderr)
    t0 = time.time()
    for s in range(a.steps):
        lr = opt.param_groups[0]["lr"]
        opt.zero_grad(set_to_none=True)
        b = s * world + rank
        _, loss = ddp(ids[b].long(), labels[b].long())
        loss.backward()
        if a.grad_clip > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, a.grad_clip).item()
        else:
            norm = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in params if p.grad is not None))
        opt.step()
        sched.step()
        mean_loss = loss.detach().clone()
        if distributed:
            dist.all_reduce(mean_loss)
            mean_loss /= world
        if log:
            log.write(json.dumps({"step": s + 1, "loss": mean_loss.item(), "lr": lr, "grad_norm": norm}) + "\n")
            log.flush()
    if rank == 0:
        log.close()
        save_folder(a.out, model, cfg)
        tok = os.path.join(a.init, "tokenizer.json")
        if os.path.exists(tok):
            shutil.copyfile(tok, os.path.join(a.out, "tokenizer.json"))
        print(json.dumps({"out": a.out, "steps": a.steps, "world_size": world, "final_loss": mean_loss.item(),
                          "elapsed_s": round(time.time() - t0, 3)}))
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
