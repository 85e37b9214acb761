#!/usr/bin/env python3
"""PyTorch eager peer of `Steering.Benchmarks --peers` (for users who have torch; CI does not run it).

Same figures on the same model shape as the C# harness: a GPT-2-small-shaped model (12 x 768, 12 heads, vocabulary
50257) with random weights, greedy KV-cached decode after a 16-token prompt (tokens/s of the 63 steps after the prompt),
1x128 prompt processing to the first token (logits of the last position only), fp32 vs bf16/f16 weights, batch 1/4/8
throughput. A plain GPT-2 written out here (pre-norm blocks, fused qkv, GELU tanh, tied head, SDPA), so no transformers
package is needed; with transformers installed, --hf uses its GPT2LMHeadModel instead.

    python3 pytorch_bench.py --threads 1 --rounds 3
    python3 pytorch_bench.py --threads 2 --hf
    python3 pytorch_bench.py --threads 1 --peer-figures   # prefill and fp32 batch-1 decode only (what --peers compares)

Debian's python3-torch (1.13, /usr/bin/python3) calls whatever libblas.so.3 the system provides: the reference BLAS
unless an optimized one is installed (apt-get install libopenblas0-pthread); the BLAS in use is printed.
"""
import argparse
import math
import os
import statistics
import sys
import time


def _threads_argument():
    """--threads, read before torch loads: OpenBLAS and OpenMP size their thread pools from the environment when loaded."""
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, _threads_argument())
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the C# harness: a spinning thread takes a shared core

import torch  # noqa: E402  (after the environment above)
import torch.nn.functional as F  # noqa: E402

LAYERS, WIDTH, HEADS, INNER, VOCAB, CONTEXT = 12, 768, 12, 3072, 50257, 1024
PROMPT, NEW, PREFILL = 16, 64, 128


def attention(q, k, v, causal):
    """Fused SDPA where torch has it (2.0+); the explicit softmax(q·kᵀ/√d)·v on older versions (Debian's 1.13)."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if causal:
        scores = scores.masked_fill(torch.ones(scores.shape[-2:], dtype=torch.bool).triu(1), float("-inf"))
    return scores.softmax(-1) @ v


class Gpt2(torch.nn.Module):
    """GPT-2 as Hugging Face computes it (Conv1D weights [in, out]), with a per-layer K/V cache written in place."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(1234)
        normal = lambda *shape, std=0.02: torch.nn.Parameter(torch.randn(*shape, generator=g) * std, requires_grad=False)
        zeros = lambda *shape: torch.nn.Parameter(torch.zeros(*shape), requires_grad=False)
        ones = lambda *shape: torch.nn.Parameter(torch.ones(*shape), requires_grad=False)
        self.wte, self.wpe = normal(VOCAB, WIDTH), normal(CONTEXT, WIDTH, std=0.01)
        out_std = 0.02 / math.sqrt(2 * LAYERS)
        self.blocks = torch.nn.ModuleList()
        for _ in range(LAYERS):
            b = torch.nn.Module()
            b.ln1_w, b.ln1_b, b.ln2_w, b.ln2_b = ones(WIDTH), zeros(WIDTH), ones(WIDTH), zeros(WIDTH)
            b.qkv_w, b.qkv_b = normal(WIDTH, 3 * WIDTH), zeros(3 * WIDTH)
            b.proj_w, b.proj_b = normal(WIDTH, WIDTH, std=out_std), zeros(WIDTH)
            b.up_w, b.up_b = normal(WIDTH, INNER), zeros(INNER)
            b.down_w, b.down_b = normal(INNER, WIDTH, std=out_std), zeros(WIDTH)
            self.blocks.append(b)
        self.lnf_w, self.lnf_b = ones(WIDTH), zeros(WIDTH)

    def new_cache(self, batch, capacity, dtype):
        shape = (LAYERS, 2, batch, HEADS, capacity, WIDTH // HEADS)
        return torch.empty(shape, dtype=dtype), 0

    def forward(self, ids, cache):
        buffer, past = cache
        batch, length = ids.shape
        x = self.wte[ids] + self.wpe[past:past + length]
        for i, b in enumerate(self.blocks):
            h = F.layer_norm(x, (WIDTH,), b.ln1_w, b.ln1_b, 1e-5)
            q, k, v = torch.addmm(b.qkv_b, h.view(-1, WIDTH), b.qkv_w).view(batch, length, 3, HEADS, -1).permute(2, 0, 3, 1, 4)
            buffer[i, 0, :, :, past:past + length] = k
            buffer[i, 1, :, :, past:past + length] = v
            keys, values = buffer[i, 0, :, :, :past + length], buffer[i, 1, :, :, :past + length]
            z = attention(q, keys, values, causal=length > 1)  # prompts start at position 0: top-left causal is right
            z = z.transpose(1, 2).reshape(batch * length, WIDTH)
            x = x + torch.addmm(b.proj_b, z, b.proj_w).view(batch, length, WIDTH)
            h = F.layer_norm(x, (WIDTH,), b.ln2_w, b.ln2_b, 1e-5).view(-1, WIDTH)
            h = F.gelu(torch.addmm(b.up_b, h, b.up_w), approximate="tanh")
            x = x + torch.addmm(b.down_b, h, b.down_w).view(batch, length, WIDTH)
        last = F.layer_norm(x[:, -1], (WIDTH,), self.lnf_w, self.lnf_b, 1e-5)
        return last @ self.wte.t(), (buffer, past + length)


def generate(model, prompts, new_tokens, dtype):
    """Greedy decode; returns (seconds to the first token, seconds of the steps after it)."""
    with torch.inference_mode():
        start = time.perf_counter()
        if isinstance(model, Gpt2):
            cache = model.new_cache(prompts.shape[0], prompts.shape[1] + new_tokens, dtype)
            logits, cache = model(prompts, cache)
        else:  # transformers' GPT2LMHeadModel
            out = model(prompts, use_cache=True, logits_to_keep=1)
            logits, cache = out.logits[:, -1], out.past_key_values
        token = logits.argmax(-1, keepdim=True)
        prefill = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(new_tokens - 1):
            if isinstance(model, Gpt2):
                logits, cache = model(token, cache)
            else:
                out = model(token, past_key_values=cache, use_cache=True)
                logits, cache = out.logits[:, -1], out.past_key_values
            token = logits.argmax(-1, keepdim=True)
        return prefill, time.perf_counter() - start


def build(dtype, hf):
    if hf:
        from transformers import GPT2Config, GPT2LMHeadModel
        torch.manual_seed(1234)
        return GPT2LMHeadModel(GPT2Config()).eval().to(dtype)
    return Gpt2().to(dtype)


def blas_library():
    """The BLAS shared library this process loaded (Linux), else torch's build setting."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none mapped"
    except OSError:
        return "unknown (not Linux)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hf", action="store_true", help="transformers' GPT2LMHeadModel instead of the plain GPT-2 here")
    parser.add_argument("--peer-figures", action="store_true", help="only prefill 1x128 and fp32 batch-1 decode")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    g = torch.Generator().manual_seed(1234)
    prompt = lambda batch, length: torch.randint(0, VOCAB, (batch, length), generator=g)
    print(f"PyTorch {torch.__version__} eager, {torch.get_num_threads()} threads, {'transformers GPT2LMHeadModel' if args.hf else 'plain GPT-2'}")
    print(f"BLAS: {blas_library()}; {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"each figure: best of {args.rounds} rounds after a warm-up [median]")

    def best(run, smallest=False):
        """(best, median) of the timed rounds after a warm-up; noise only adds time, so best is min time / max rate."""
        run()
        values = [run() for _ in range(args.rounds)]
        return (min(values) if smallest else max(values)), statistics.median(values)

    dtypes = {"fp32": torch.float32} if args.peer_figures else {"fp32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}
    models = {name: build(dtype, args.hf) for name, dtype in dtypes.items()}
    one, long = prompt(1, PROMPT), prompt(1, PREFILL)
    rate = lambda name, prompts: lambda: prompts.shape[0] * (NEW - 1) / generate(models[name], prompts, NEW, dtypes[name])[1]
    top, median = best(lambda: 1000 * generate(models["fp32"], long, 1, torch.float32)[0], smallest=True)
    print(f"  prefill 1x{PREFILL}, fp32 (ms)        {top:8.1f} [{median:6.1f}]")
    base = None
    cases = (("fp32, batch 1", "fp32", one), ("bf16 weights, batch 1", "bf16", one),
             ("f16 weights, batch 1", "f16", one), ("fp32, batch 4", "fp32", prompt(4, PROMPT)),
             ("fp32, batch 8", "fp32", prompt(8, PROMPT)))
    for label, name, prompts in cases[:1] if args.peer_figures else cases:
        try:
            top, median = best(rate(name, prompts))
        except RuntimeError as error:  # e.g. torch 1.13 has no CPU float16 matmul or layer norm
            print(f"  decode {label:<26} not supported by this torch on the CPU: {str(error).splitlines()[0]}")
            continue
        base = base or (top, median)
        print(f"  decode {label:<26} {top:8.1f} [{median:6.1f}] tokens/s  {top / base[0]:5.2f}x [{median / base[1]:.2f}x]")


if __name__ == "__main__":
    main()
