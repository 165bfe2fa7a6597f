#!/usr/bin/env python3
"""Makes the golden data of the Mamba-2 numeric tests.

Builds tiny random-weight Mamba-2 language models with Hugging Face
transformers (Mamba2ForCausalLM, CPU, float32, its PyTorch path without the
CUDA extensions: the independent reference) and writes, per model, into
<out>/<name>/ (default out: this directory) the same files as
make_golden.py: config.json, model.safetensors, prompt_logits.npy,
golden.json.

Run: python3 test/golden/make_golden_mamba2.py [out]
Needs: pip install torch transformers safetensors numpy
"""

import math
import os
import sys

import torch
from transformers import Mamba2Config, Mamba2ForCausalLM

from make_golden import HERE, write_golden

# name, seed, prompt length, Mamba2Config arguments (num_heads is derived:
# expand * hidden_size / head_dim)
MODELS = [
    ("mamba2-tiny-tied", 11, 16,
     dict(vocab_size=128, hidden_size=32, num_hidden_layers=2, state_size=16,
          head_dim=16, n_groups=1, tie_word_embeddings=True)),
    ("mamba2-bias-k3", 12, 21,
     dict(vocab_size=96, hidden_size=24, num_hidden_layers=3, state_size=8,
          head_dim=8, expand=3, n_groups=1, conv_kernel=3, use_bias=True,
          layer_norm_epsilon=1e-6, tie_word_embeddings=False,
          pad_vocab_size_multiple=16, chunk_size=8)),
    # Heads in groups sharing B and C (the grouped SSD and gated norm), a
    # vocabulary that is no multiple of pad_vocab_size_multiple (16).
    ("mamba2-groups", 13, 13,
     dict(vocab_size=50, hidden_size=16, num_hidden_layers=2, state_size=8,
          head_dim=4, n_groups=2, tie_word_embeddings=True, chunk_size=5)),
]


def randomize(model, config, gen):
    """Replaces HF's init with weights that make every term of the block
    matter (D, the conv bias, the gated norm's weight, a spread of A)."""
    def normal(shape, std):
        return torch.randn(shape, generator=gen) * std

    with torch.no_grad():
        emb = model.backbone.embeddings.weight
        emb.copy_(normal(emb.shape, 0.3))
        for layer in model.backbone.layers:
            layer.norm.weight.copy_(1.0 + normal(layer.norm.weight.shape, 0.2))
            m = layer.mixer
            for lin in (m.in_proj, m.out_proj):
                fan_in = lin.weight.shape[1]
                gain = 3.0 if lin is m.out_proj else 1.0
                lin.weight.copy_(normal(lin.weight.shape, gain / math.sqrt(fan_in)))
                if lin.bias is not None:
                    lin.bias.copy_(normal(lin.bias.shape, 0.1))
            k = m.conv1d.weight.shape[-1]
            m.conv1d.weight.copy_(normal(m.conv1d.weight.shape, 1.0 / math.sqrt(k)))
            if m.conv1d.bias is not None:
                m.conv1d.bias.copy_(normal(m.conv1d.bias.shape, 0.1))
            # dt = softplus(dt_in + dt_bias), dt_bias log-uniform in [1e-3, 0.3].
            u = torch.rand(m.dt_bias.shape, generator=gen)
            dt = torch.exp(math.log(1e-3) + u * (math.log(0.3) - math.log(1e-3)))
            m.dt_bias.copy_(dt + torch.log(-torch.expm1(-dt)))
            a = 1.0 + 15.0 * torch.rand(m.A_log.shape, generator=gen)
            m.A_log.copy_(torch.log(a))
            m.D.copy_(1.0 + normal(m.D.shape, 0.5))
            m.norm.weight.copy_(1.0 + normal(m.norm.weight.shape, 0.2))
        model.backbone.norm_f.weight.copy_(
            1.0 + normal(model.backbone.norm_f.weight.shape, 0.2))
        if not config.tie_word_embeddings:
            model.lm_head.weight.copy_(normal(model.lm_head.weight.shape, 0.3))


def make(out, name, seed, prompt_len, kwargs):
    gen = torch.Generator().manual_seed(seed)
    kwargs = dict(kwargs)
    kwargs["num_heads"] = (kwargs.get("expand", 2) * kwargs["hidden_size"]
                           // kwargs["head_dim"])
    config = Mamba2Config(**kwargs)
    torch.manual_seed(seed)
    model = Mamba2ForCausalLM(config).eval()
    randomize(model, config, gen)
    prompt = torch.randint(0, config.vocab_size, (prompt_len,),
                           generator=gen).tolist()
    write_golden(os.path.join(out, name), model, config, torch.float32, prompt)


def main():
    torch.set_num_threads(1)
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    print("transformers", __import__("transformers").__version__,
          "torch", torch.__version__)
    for name, seed, prompt_len, kwargs in MODELS:
        make(out, name, seed, prompt_len, kwargs)


if __name__ == "__main__":
    main()
