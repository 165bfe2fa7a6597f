#!/usr/bin/env python3
"""Times Hugging Face transformers' Mamba2ForCausalLM on the CPU (F32, its
PyTorch path) at the mamba2-130m shape with random weights, and saves that
model to DIR so that mamba-run times the same weights:

    python3 bench/hf_mamba2_cpu_bench.py DIR [--threads 2]
    build/bin/mamba-run DIR --tokens <512 ids> -n 1 --threads 2
    build/bin/mamba-run DIR --tokens 1,2,3,4 -n 65 --ignore-eos --threads 2

Prints prefill tokens/s over a 512-token prompt (ids i % 1000 + 1) and
decode tokens/s of 64 greedy tokens after a 4-token prompt.
"""
import argparse
import time

import torch
from transformers import Mamba2Config, Mamba2ForCausalLM


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = Mamba2Config(vocab_size=50288, hidden_size=768, num_hidden_layers=24,
                       state_size=128, head_dim=64, num_heads=24, expand=2,
                       n_groups=1, tie_word_embeddings=True)
    model = Mamba2ForCausalLM(cfg).eval()
    model.save_pretrained(a.dir)
    ids = torch.tensor([[i % 1000 + 1 for i in range(512)]])
    with torch.no_grad():
        model(ids[:, :16])  # warm-up
        start = time.perf_counter()
        model(ids, use_cache=False)
        prefill = time.perf_counter() - start
        start = time.perf_counter()
        model.generate(ids[:, :4], max_new_tokens=64, min_new_tokens=64,
                       do_sample=False)
        decode = time.perf_counter() - start
    print(f"transformers {__import__('transformers').__version__}, torch "
          f"{torch.__version__}, {a.threads} threads")
    print(f"hf mamba2-130m f32 prefill 1 512 {prefill:.3f} {512 / prefill:.1f}")
    print(f"hf mamba2-130m f32 decode 1 64 {decode:.3f} {64 / decode:.1f}")


if __name__ == "__main__":
    main()
