#!/usr/bin/env python3
"""Prints the optimized/scalar table of a cpu_kernels_bench JSON report.

Usage: kernel_ratios.py REPORT.json

Each row is one kernel at one shape and sequence length: the median CPU time
per call of the runtime's kernel and of the plain scalar loop, the speedup
(scalar time / optimized time) and the optimized kernel's throughput. A
scalar figure marked "est." was not run (too slow) and is extrapolated from
the 512-token run: a naive GEMM's cost per row does not depend on the rows.
"""
import json
import re
import sys


def base_name(name):
    """The name without the suffixes of per-benchmark settings."""
    return re.sub(r"(/(iterations|repeats|min_time|real_time):[^/]*|/real_time)+$",
                  "", name)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        report = json.load(f)
    runs = {}
    for b in report["benchmarks"]:
        name = base_name(b.get("run_name", b["name"]))
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") != "median":
                continue
        elif name in runs:
            continue  # iterations of a repeated run: the median is used
        runs[name] = b
    # Medians replace single iterations where both exist.
    for b in report["benchmarks"]:
        if b.get("aggregate_name") == "median":
            runs[base_name(b["run_name"])] = b

    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
    rows = []
    keys = sorted({n.rsplit("/", 1)[0] for n in runs},
                  key=lambda k: (k.split("/")[0], k.split("/")[1],
                                 int(k.split("len:")[1])))
    print("| kernel | shape | seqlen | optimized µs | scalar µs | speedup "
          "| optimized GB/s | optimized Gelem/s | optimized GFLOP/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in keys:
        kernel, shape, seqlen = key.split("/")
        opt = runs.get(key + "/optimized")
        sca = runs.get(key + "/scalar")
        if not opt:
            continue
        t_opt = opt["cpu_time"] * scale[opt["time_unit"]]
        estimated = False
        if sca:
            t_sca = sca["cpu_time"] * scale[sca["time_unit"]]
        else:
            base = runs.get(f"{kernel}/{shape}/len:512/scalar")
            if not base:
                continue
            t_sca = (base["cpu_time"] * scale[base["time_unit"]]
                     * int(seqlen.split(":")[1]) / 512)
            estimated = True
        flops = opt.get("FLOP/s")
        rows.append(key)
        print("| {} | {} | {} | {:.1f} | {}{:.1f} | {}{:.1f}x | {:.2f} | {:.3f} | {} |"
              .format(kernel, shape, seqlen.split(":")[1], t_opt,
                      "est. " if estimated else "", t_sca,
                      "est. " if estimated else "", t_sca / t_opt,
                      opt["bytes_per_second"] / 1e9,
                      opt["items_per_second"] / 1e9,
                      "{:.1f}".format(flops / 1e9) if flops else "–"))


if __name__ == "__main__":
    main()
