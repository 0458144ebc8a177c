#!/usr/bin/env python3
"""The pymoo side of fedplane's optimizer benchmark (see Benchmarks/README.md).

Runs pymoo 0.6.2's NSGA-II with its defaults (population 100, SBX p 0.9 eta 15,
PM eta 20, rank-and-crowding survival, duplicate elimination) for 250 generations
on ZDT1, once per seed, and prints the median CPU seconds per run and the median
hypervolume (reference point 1.1 in every objective, non-dominated points only).

The last line is machine-readable so `fedplane-bench zdt1 --pymoo` can put the
two implementations side by side:

    PYMOO problem=zdt1 runs=11 cpu_median_s=... hv_median=...

`--problem` also accepts zdt2, zdt3 and dtlz2 (300 generations), which is how the
reference medians quoted in FedOptimize's quality tests were reproduced.
"""

import argparse
import json
import statistics
import sys
import time

import numpy as np

try:
    import pymoo
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.indicators.hv import HV
    from pymoo.optimize import minimize
    from pymoo.problems import get_problem
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
except ImportError:
    sys.exit("pymoo is not installed: pip install pymoo==0.6.2")

GENERATIONS = {"zdt1": 250, "zdt2": 250, "zdt3": 250, "dtlz2": 300}


def make_problem(name):
    if name == "dtlz2":
        return get_problem("dtlz2", n_var=12, n_obj=3)
    return get_problem(name)  # ZDT1-3 default to 30 variables


def one_run(name, seed, generations):
    problem = make_problem(name)
    algorithm = NSGA2(pop_size=100)
    start = time.process_time()
    result = minimize(problem, algorithm, ("n_gen", generations), seed=seed, verbose=False)
    cpu = time.process_time() - start
    F = result.pop.get("F")
    front = F[NonDominatedSorting().do(F, only_non_dominated_front=True)]
    hv = HV(ref_point=np.full(F.shape[1], 1.1))(front)
    return cpu, float(hv), front


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="zdt1", choices=sorted(GENERATIONS))
    parser.add_argument("--runs", type=int, default=11, help="seeds 1...runs")
    parser.add_argument("--generations", type=int, default=None)
    parser.add_argument("--front-out", default=None,
                        help="write every final front as JSON (the format of fedplane-bench --front-out)")
    args = parser.parse_args()

    try:
        from pymoo.functions import is_compiled
        compiled = is_compiled()
    except ImportError:
        compiled = "unknown"
    generations = args.generations or GENERATIONS[args.problem]
    print(f"pymoo {pymoo.__version__} (compiled extensions: {compiled}), "
          f"NSGA-II 100 x {generations} on {args.problem}, {args.runs} seeds")

    cpus, hvs, runs = [], [], []
    for seed in range(1, args.runs + 1):
        cpu, hv, front = one_run(args.problem, seed, generations)
        cpus.append(cpu)
        hvs.append(hv)
        runs.append({"problem": args.problem, "seed": seed, "population": 100, "generations": generations,
                     "reference": [1.1] * front.shape[1], "hv": hv, "front": front.tolist()})
        print(f"  seed {seed:2d}: {cpu:7.3f} s CPU  HV {hv:.5f}")

    cpu_median = statistics.median(cpus)
    hv_median = statistics.median(hvs)
    print(f"median: {cpu_median:.3f} s CPU per run, HV {hv_median:.5f}")
    if args.front_out:
        with open(args.front_out, "w") as f:
            json.dump({"format": "fedplane-bench-fronts", "version": 1, "tool": f"pymoo {pymoo.__version__}",
                       "runs": runs}, f)
        print(f"wrote {len(runs)} fronts to {args.front_out}")
    print(f"PYMOO problem={args.problem} runs={args.runs} "
          f"cpu_median_s={cpu_median:.6f} hv_median={hv_median:.6f}")


if __name__ == "__main__":
    main()
