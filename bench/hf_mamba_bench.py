#!/usr/bin/env python3
"""Times Hugging Face transformers' MambaForCausalLM on the GPU with random
weights: prefill tokens/s of batch x seqlen, and decode tokens/s over N greedy
steps from a one-token prompt. The baseline that scripts/bench-gpu.sh prints
next to mamba-run's figures. Prints one line per measurement:
    hf SHAPE DTYPE prefill|decode BATCH TOKENS SECONDS TOKENS_PER_S
"""
import argparse
import time

import torch
from transformers import MambaConfig, MambaForCausalLM

SHAPES = {"130m": (768, 24), "370m": (1024, 48), "1.4b": (2048, 48),
          "2.8b": (2560, 64)}


def timed(fn):
    torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("shape", choices=SHAPES)
    p.add_argument("--dtype", choices=["f32", "bf16"], default="bf16")
    p.add_argument("--prefill", default="1x2048,8x2048",
                   help="comma-separated BATCHxSEQLEN")
    p.add_argument("--decode", default="1,16", help="comma-separated batches")
    p.add_argument("--steps", type=int, default=256)
    a = p.parse_args()

    d, layers = SHAPES[a.shape]
    cfg = MambaConfig(vocab_size=50280, hidden_size=d, num_hidden_layers=layers,
                      state_size=16, expand=2, conv_kernel=4, use_cache=True)
    torch.manual_seed(0)
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    model = MambaForCausalLM(cfg).to(device="cuda", dtype=dtype).eval()

    with torch.no_grad():
        model(torch.randint(0, 50277, (1, 16), device="cuda"))  # warm-up
        for spec in a.prefill.split(","):
            b, l = (int(x) for x in spec.split("x"))
            ids = torch.randint(0, 50277, (b, l), device="cuda")
            s = timed(lambda: model(ids, use_cache=False))
            print(f"hf {a.shape} {a.dtype} prefill {b} {b * l} {s:.4f} "
                  f"{b * l / s:.1f}", flush=True)
        for b in (int(x) for x in a.decode.split(",")):
            ids = torch.randint(0, 50277, (b, 1), device="cuda")
            s = timed(lambda: model.generate(
                ids, max_new_tokens=a.steps, min_new_tokens=a.steps,
                do_sample=False))
            print(f"hf {a.shape} {a.dtype} decode {b} {b * a.steps} {s:.4f} "
                  f"{b * a.steps / s:.1f}", flush=True)


if __name__ == "__main__":
    main()
