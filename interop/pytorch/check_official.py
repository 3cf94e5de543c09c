"""Checks this PyTorch Avey-B against the official model's outputs (the shared fixture small.*):
loads the official weights with strict=True and compares the MLM logits and loss.

  /usr/bin/python3 interop/pytorch/check_official.py ../shared/fixtures/avey-b
Prints one JSON line; exit 1 when the logits differ by more than 1e-4 relative.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from avey_model import AveyConfig, AveyForMaskedLM  # noqa: E402
from st_io import read  # noqa: E402


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "small.json"), encoding="utf-8") as f:
        meta = json.load(f)
    t, _ = read(os.path.join(d, "small.safetensors"))
    cfg = AveyConfig(**meta["config"])
    model = AveyForMaskedLM(cfg)
    model.load_state_dict({k[len("mlm.param."):]: v for k, v in t.items() if k.startswith("mlm.param.")}, strict=True)
    with torch.no_grad():
        logits, loss = model(t["input.input_ids"].long(), t["input.mlm_labels"].long())
    want = t["mlm.expected.logits"]
    rel = ((logits - want).abs().max() / want.abs().max()).item()
    loss_rel = abs(loss.item() - meta["scalars"]["mlm.loss"]) / abs(meta["scalars"]["mlm.loss"])
    print(json.dumps({"logits_max_rel": rel, "loss_rel": loss_rel, "torch": torch.__version__}))
    sys.exit(0 if rel < 1e-4 and loss_rel < 1e-4 else 1)


if __name__ == "__main__":
    main()
