#!/usr/bin/env python3
"""Scores the fronts a benchmark wrote (`fedplane-bench zdt1|quality --front-out FILE`, or
`pymoo_zdt1.py --front-out FILE`) with pymoo's own hypervolume, independently of the code that
produced them.

For each run it recomputes the HV of the stored front (pymoo.indicators.hv.HV, the run's
reference point) after keeping only its non-dominated points, compares it with the HV the tool
reported, and prints per problem the median HV over the seeds. Exit 1 when a reported HV is off
by more than 1e-9 or a stored front holds a dominated point.

    python3 Benchmarks/score_fronts.py fronts.json [fronts.pymoo.json …]
"""

import json
import statistics
import sys

import numpy as np

try:
    from pymoo.indicators.hv import HV
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
except ImportError:
    sys.exit("pymoo is not installed: pip install pymoo==0.6.2")


def score(path):
    with open(path) as f:
        doc = json.load(f)
    if doc.get("format") != "fedplane-bench-fronts":
        sys.exit(f"{path}: not a fedplane-bench fronts file")
    ok = True
    by_problem = {}
    for run in doc["runs"]:
        F = np.array(run["front"], dtype=float).reshape(-1, len(run["reference"]))
        nd = NonDominatedSorting().do(F, only_non_dominated_front=True) if len(F) else []
        if len(nd) != len(F):
            print(f"  {run['problem']} seed {run['seed']}: {len(F) - len(nd)} dominated point(s) in the stored front")
            ok = False
        hv = float(HV(ref_point=np.array(run["reference"]))(F)) if len(F) else 0.0
        if abs(hv - run["hv"]) > 1e-9:
            print(f"  {run['problem']} seed {run['seed']}: reported HV {run['hv']:.9f}, pymoo's {hv:.9f}")
            ok = False
        by_problem.setdefault(run["problem"], []).append((hv, len(F)))
    print(f"{path} ({doc.get('tool', '?')}):")
    for problem, values in by_problem.items():
        hvs = [v[0] for v in values]
        print(f"  {problem}: {len(values)} runs, median HV {statistics.median(hvs):.5f} (min {min(hvs):.5f}, "
              f"max {max(hvs):.5f}), median front size {statistics.median([v[1] for v in values]):.0f}")
    return ok


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    results = [score(p) for p in sys.argv[1:]]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
