#!/usr/bin/env python3
"""The PyTorch side of `lora-lab bench matmul --shapes bert-base --pytorch`: torch.matmul on one shape,
C = op(A)·op(B) with the operands laid out as the LoRA Lab call has them (A stored [k, m] when
transposed, B stored [n, k]), on the given threads. Each call is timed on its own; the median is printed
with the BLAS torch runs on, as one JSON object.

  python3 bench/pytorch_matmul.py --m 4096 --k 768 --n 768 [--trans-a] [--trans-b] --threads 2 --iterations 5
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
except ImportError:  # the caller turns this into advice
    print(json.dumps({"error": "torch-missing"}))
    sys.exit(3)


def blas():
    """What torch reports it was built with, and the BLAS library the process actually loaded."""
    loaded = ""
    try:
        with open("/proc/self/maps") as f:
            names = {line.split()[-1] for line in f if "blas" in line.lower()}
        loaded = ",".join(sorted(n for n in names if n.startswith("/")))
    except OSError:
        pass
    built = next((p.split("=", 1)[1] for p in torch.__config__.show().replace(",", " ").split() if p.startswith("BLAS_INFO=")), "")
    return {"blas_info": built, "blas_loaded": loaded}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--m", type=int, required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--trans-a", action="store_true")
    p.add_argument("--trans-b", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iterations", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    A = torch.rand(a.k, a.m).t() if a.trans_a else torch.rand(a.m, a.k)
    B = torch.rand(a.n, a.k).t() if a.trans_b else torch.rand(a.k, a.n)
    C = torch.empty(a.m, a.n)
    start, calls = time.perf_counter(), 0
    while calls < 3 or time.perf_counter() - start < 0.5:  # warm-up, as the Node side's
        torch.matmul(A, B, out=C)
        calls += 1
    times = []
    for _ in range(max(3, a.iterations)):
        t = time.perf_counter()
        torch.matmul(A, B, out=C)
        times.append(time.perf_counter() - t)
    seconds = statistics.median(times)
    print(json.dumps({
        "impl": "pytorch", "torch": torch.__version__, **blas(), "threads": a.threads,
        "m": a.m, "k": a.k, "n": a.n, "transA": a.trans_a, "transB": a.trans_b,
        "seconds_per_call": seconds, "gflops": 2 * a.m * a.n * a.k / seconds / 1e9,
    }))


if __name__ == "__main__":
    main()
