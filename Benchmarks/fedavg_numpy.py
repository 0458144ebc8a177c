#!/usr/bin/env python3
"""NumPy side of the FedAvg benchmark (`fedplane-bench fedavg --numpy` runs it).

Loads the updates `fedplane-bench` wrote (update0.safetensors ... update{N-1}.safetensors in
--dir, each a list of float32 layers) and times, on the same arrays:

  (a) Flower's `aggregate` (flwr/server/strategy/aggregate.py): every layer multiplied by its
      sample count, `reduce(np.add, ...)` over participants, divided by the total;
  (b) a tight NumPy loop: one float32 accumulator per layer, in-place `np.multiply(..., out=tmp)`
      and `np.add(acc, tmp, out=acc)` per participant;
  (c) a plain copy (`np.copyto`) of every input into one preallocated buffer, NumPy's memcpy.

Prints GB/s of input read (N x model bytes / wall time, median of --runs after one warm-up) and
checks (a) and (b) against FedAvg's result (swift_avg.safetensors, if present). The last line,
`NUMPY flower_ms=... tight_ms=... copy_ms=...`, is what fedplane-bench parses.

Standalone: python3 Benchmarks/fedavg_numpy.py --updates 10 --megabytes 26 (random updates).
"""
import argparse
import os
import sys
import time
from functools import reduce

import numpy as np


def flower_aggregate(results):
    """Flower's aggregate(), verbatim apart from the type hints."""
    num_examples_total = sum(num_examples for (_, num_examples) in results)
    weighted_weights = [[layer * num_examples for layer in weights] for weights, num_examples in results]
    weights_prime = [reduce(np.add, layer_updates) / num_examples_total for layer_updates in zip(*weighted_weights)]
    return weights_prime


def tight_numpy(results):
    """Weighted average with one accumulator per layer and no temporaries per step."""
    total = sum(n for _, n in results)
    first, n0 = results[0]
    acc = [np.multiply(layer, np.float32(n0 / total)) for layer in first]
    tmp = [np.empty_like(layer) for layer in first]
    for layers, n in results[1:]:
        w = np.float32(n / total)
        for a, t, layer in zip(acc, tmp, layers):
            np.multiply(layer, w, out=t)
            np.add(a, t, out=a)
    return acc


def copy_inputs(results, buffers):
    for layers, _ in results:
        for b, layer in zip(buffers, layers):
            np.copyto(b, layer)


def timed(runs, fn):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2], times[0], times[-1]


def load(directory, samples):
    from safetensors.numpy import load_file
    results = []
    i = 0
    while os.path.exists(os.path.join(directory, "update%d.safetensors" % i)):
        tensors = load_file(os.path.join(directory, "update%d.safetensors" % i))
        names = sorted(tensors)
        results.append(([tensors[k] for k in names], samples[i] if i < len(samples) else 1000 + 137 * i))
        i += 1
    expected = None
    path = os.path.join(directory, "swift_avg.safetensors")
    if os.path.exists(path):
        avg = load_file(path)
        expected = [avg[k] for k in sorted(avg)]
    return results, expected


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", help="directory of update*.safetensors written by fedplane-bench")
    parser.add_argument("--samples", default="", help="comma-separated sample counts, one per update")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--updates", type=int, default=10, help="without --dir: number of random updates")
    parser.add_argument("--megabytes", type=float, default=26.0, help="without --dir: size of each update")
    args = parser.parse_args()

    samples = [int(s) for s in args.samples.split(",") if s]
    if args.dir:
        results, expected = load(args.dir, samples)
        if not results:
            sys.exit("no update*.safetensors in %s" % args.dir)
    else:
        rng = np.random.default_rng(0)
        floats = int(args.megabytes * 1e6 / 4)
        results = [([rng.uniform(-1, 1, floats).astype(np.float32)], 1000 + 137 * i) for i in range(args.updates)]
        expected = None

    nbytes = sum(layer.nbytes for layer in results[0][0]) * len(results)
    print("numpy %s: %d updates x %.1f MB (%d layers), %d runs" % (
        np.__version__, len(results), nbytes / len(results) / 1e6, len(results[0][0]), args.runs))

    out = {}
    for key, label, fn in [
        ("flower", "Flower aggregate (reduce(np.add) / total)", lambda: flower_aggregate(results)),
        ("tight", "tight NumPy loop (in-place multiply-add)", lambda: tight_numpy(results)),
    ]:
        median, best, worst = timed(args.runs, fn)
        out[key] = median
        print("  %-44s %7.2f GB/s  median %.2f ms (min %.2f, max %.2f)" % (
            label, nbytes / median / 1e9, median * 1e3, best * 1e3, worst * 1e3))
        if expected is not None:
            got = fn()
            diff = max(float(np.max(np.abs(g.astype(np.float64) - e))) if g.size else 0.0 for g, e in zip(got, expected))
            scale = max(float(np.max(np.abs(e))) if e.size else 0.0 for e in expected)
            print("    max |%s - FedAvg| = %.2e (values up to %.2f)" % (key, diff, scale))
            if diff > 1e-5 * max(scale, 1.0):
                sys.exit("%s disagrees with FedAvg's result" % key)

    buffers = [np.empty_like(layer) for layer in results[0][0]]
    median, best, worst = timed(args.runs, lambda: copy_inputs(results, buffers))
    out["copy"] = median
    print("  %-44s %7.2f GB/s  median %.2f ms (min %.2f, max %.2f)" % (
        "np.copyto of the inputs (NumPy's memcpy)", nbytes / median / 1e9, median * 1e3, best * 1e3, worst * 1e3))
    print("NUMPY flower_ms=%.3f tight_ms=%.3f copy_ms=%.3f bytes=%d" % (
        out["flower"] * 1e3, out["tight"] * 1e3, out["copy"] * 1e3, nbytes))


if __name__ == "__main__":
    main()
