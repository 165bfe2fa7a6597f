#!/usr/bin/env python3
"""Makes the golden data of the CPU runtime's numeric tests.

Builds tiny random-weight Mamba-1 language models with Hugging Face
transformers (MambaForCausalLM, CPU, float32, its sequential PyTorch path: the
independent reference) and writes, per model, into test/golden/<name>/:

  config.json          as transformers saves it
  model.safetensors    the weights (F32, or F16/BF16 for the 16-bit models)
  prompt_logits.npy    float32 [prompt_len, vocab_size]: logits of every
                       prompt position
  golden.json          {"prompt": [...], "greedy": [...]}: the prompt token
                       ids and 8 greedily generated tokens

Run from anywhere: python3 test/golden/make_golden.py
Needs: pip install torch transformers safetensors numpy
"""

import json
import math
import os
import shutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import MambaConfig, MambaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
GREEDY_TOKENS = 8

# name, seed, stored dtype, prompt length, MambaConfig arguments
MODELS = [
    ("tiny-tied", 1, torch.float32, 16,
     dict(vocab_size=64, hidden_size=16, num_hidden_layers=2, state_size=8)),
    ("small-untied", 2, torch.float32, 20,
     dict(vocab_size=256, hidden_size=32, num_hidden_layers=3,
          tie_word_embeddings=False)),
    ("no-conv-bias-k3", 3, torch.float32, 13,
     dict(vocab_size=128, hidden_size=24, num_hidden_layers=2, conv_kernel=3,
          use_conv_bias=False, state_size=4)),
    ("proj-bias-odd-vocab", 4, torch.float32, 12,
     dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, use_bias=True,
          expand=3, layer_norm_epsilon=1e-6)),
    ("bf16-weights", 5, torch.bfloat16, 16,
     dict(vocab_size=512, hidden_size=64, num_hidden_layers=2)),
    ("f16-weights", 6, torch.float16, 14,
     dict(vocab_size=96, hidden_size=16, num_hidden_layers=3,
          time_step_rank=3, tie_word_embeddings=False)),
]


def randomize(model, config, gen):
    """Replaces HF's init with weights that make every term of the block
    matter (HF zeroes the conv bias and uses D = 1, A_log = log(1..n))."""
    def normal(shape, std):
        return torch.randn(shape, generator=gen) * std

    with torch.no_grad():
        emb = model.backbone.embeddings.weight
        emb.copy_(normal(emb.shape, 0.3))
        for layer in model.backbone.layers:
            layer.norm.weight.copy_(1.0 + normal(layer.norm.weight.shape, 0.2))
            m = layer.mixer
            for lin in (m.in_proj, m.x_proj, m.dt_proj, m.out_proj):
                fan_in = lin.weight.shape[1]
                gain = 3.0 if lin is m.out_proj else 1.0
                lin.weight.copy_(normal(lin.weight.shape, gain / math.sqrt(fan_in)))
                if lin is not m.dt_proj and lin.bias is not None:
                    lin.bias.copy_(normal(lin.bias.shape, 0.1))
            k = m.conv1d.weight.shape[-1]
            m.conv1d.weight.copy_(normal(m.conv1d.weight.shape, 1.0 / math.sqrt(k)))
            if m.conv1d.bias is not None:
                m.conv1d.bias.copy_(normal(m.conv1d.bias.shape, 0.1))
            # dt = softplus(bias) log-uniform in [1e-3, 0.3].
            u = torch.rand(m.dt_proj.bias.shape, generator=gen)
            dt = torch.exp(math.log(1e-3) + u * (math.log(0.3) - math.log(1e-3)))
            m.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
            a = 1.0 + 15.0 * torch.rand(m.A_log.shape, generator=gen)
            m.A_log.copy_(torch.log(a))
            m.D.copy_(1.0 + normal(m.D.shape, 0.5))
        model.backbone.norm_f.weight.copy_(
            1.0 + normal(model.backbone.norm_f.weight.shape, 0.2))
        if not config.tie_word_embeddings:
            model.lm_head.weight.copy_(normal(model.lm_head.weight.shape, 0.3))


def round_to(model, dtype):
    """Rounds every parameter to the storage dtype so the float32 reference
    computes with exactly the values the file holds."""
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(dtype).to(torch.float32))


def greedy(model, prompt, steps):
    """Greedy continuation by re-running the whole sequence each step: only
    the sequential full-sequence path of the reference is involved."""
    ids = list(prompt)
    out = []
    for _ in range(steps):
        logits = model(torch.tensor([ids]), use_cache=False).logits[0, -1]
        top2 = torch.topk(logits, 2).values
        # A near-tie would make the test depend on rounding, not correctness.
        assert float(top2[0] - top2[1]) > 1e-3, "greedy step is a near-tie"
        nxt = int(torch.argmax(logits))
        out.append(nxt)
        ids.append(nxt)
    return out


def make(name, seed, dtype, prompt_len, kwargs):
    gen = torch.Generator().manual_seed(seed)
    config = MambaConfig(**kwargs)
    torch.manual_seed(seed)
    model = MambaForCausalLM(config).eval()
    randomize(model, config, gen)
    round_to(model, dtype)

    prompt = torch.randint(0, config.vocab_size, (prompt_len,), generator=gen).tolist()
    write_golden(os.path.join(HERE, name), model, config, dtype, prompt)


def write_golden(out_dir, model, config, dtype, prompt):
    """The reference's logits of every prompt position and its greedy
    continuation, next to the model's config and weights."""
    with torch.no_grad():
        logits = model(torch.tensor([prompt]), use_cache=False).logits[0]
        continuation = greedy(model, prompt, GREEDY_TOKENS)

    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    config.save_pretrained(out_dir)
    tensors = {k: v.detach().to(dtype).contiguous()
               for k, v in model.state_dict().items()}
    if config.tie_word_embeddings:
        tensors.pop("lm_head.weight", None)
    save_file(tensors, os.path.join(out_dir, "model.safetensors"),
              metadata={"format": "pt"})
    np.save(os.path.join(out_dir, "prompt_logits.npy"),
            logits.to(torch.float32).numpy())
    with open(os.path.join(out_dir, "golden.json"), "w") as f:
        json.dump({"prompt": prompt, "greedy": continuation}, f)
        f.write("\n")
    print(f"{os.path.basename(out_dir)}: vocab {config.vocab_size} "
          f"d {config.hidden_size} layers {config.num_hidden_layers} {dtype} "
          f"prompt {len(prompt)} max|logit| {float(logits.abs().max()):.3f} "
          f"greedy {continuation}")


def main():
    torch.set_num_threads(1)
    for name, seed, dtype, prompt_len, kwargs in MODELS:
        make(name, seed, dtype, prompt_len, kwargs)


if __name__ == "__main__":
    main()
