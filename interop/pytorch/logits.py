"""MLM logits of a checkpoint folder in PyTorch, for comparing with avey-ts.

  /usr/bin/python3 interop/pytorch/logits.py FOLDER IN.safetensors OUT.safetensors
IN holds integer input_ids [B, T]; OUT gets float32 logits [B, T, V] and last_hidden_state [B, T, E].
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from avey_model import load_folder  # noqa: E402
from st_io import read, write  # noqa: E402


def main():
    folder, src, dst = sys.argv[1:4]
    model, _ = load_folder(folder)
    ids = read(src)[0]["input_ids"].long()
    with torch.no_grad():
        h = model.hidden(ids)
        logits = h @ model.embed.weight.t()
    write(dst, {"logits": logits, "last_hidden_state": h})


if __name__ == "__main__":
    main()
