#!/usr/bin/env python3
"""The pymoo side of fedplane's hierarchical placement benchmark (see Benchmarks/README.md).

Reads a problem instance written by `fedplane-bench hierarchy --export FILE` (format
"fedplane-hierarchy-instance" version 1: genes, sites, latency matrices, objectives, limits)
and implements the same objective function and repair as FedOptimize's
HierarchicalPlacementProblem in plain Python, as a pymoo `ElementwiseProblem` (the function is
a loop over participants and regional aggregators; one call per gene vector, as a user would
export it).

    pymoo_hierarchy.py evaluate INSTANCE GENOMES   # JSON list of gene vectors in, objectives out
    pymoo_hierarchy.py run INSTANCE [--seeds 5] [--population 100] [--generations 300]
                                    [--operators integer|categorical]

`evaluate` needs only the standard library (the bench and the tests check it against Swift's
evaluation before any comparison). `run` runs pymoo 0.6.2's NSGA2 once per seed 1..seeds and
prints one `PYMOO_RUN {json}` line per run (CPU and wall seconds, evaluations, the final
population's feasible non-dominated objective vectors and their genes), then a summary line
`PYMOO runs=... cpu_median_s=...`.

Operators (pymoo has no categorical NSGA-II operators; neither choice equals FedOptimize's):
- integer (default, pymoo's documented set-up for integer variables): IntegerRandomSampling,
  SBX (p 0.9, eta 15) and PM (eta 20, per-gene 1/n) on the genes as floats followed by
  RoundingRepair — the site and parent indices are treated as ordered integers;
- categorical: IntegerRandomSampling, uniform crossover (p 0.9) and a reset mutation to a
  different choice (per-gene 1/n) — what FedOptimize's SBX/PolynomialMutation do for
  categorical genes, with pymoo's random streams.
Both add the problem's canonical repair (pymoo applies an algorithm's repair after mating and
before duplicate elimination, as FedOptimize does).
"""

import argparse
import json
import statistics
import sys
import time

OBJECTIVE_ORDER = ["cost", "latency", "carbon", "egress"]


class Hierarchy:
    """HierarchicalPlacementProblem's repair and measures, operation for operation, so the two
    sides' objectives agree to the last bit or nearly (Swift checks to 1e-9 relative)."""

    def __init__(self, data):
        if data.get("format") != "fedplane-hierarchy-instance" or data.get("version") != 1:
            raise SystemExit("not a fedplane-hierarchy-instance version 1 file")
        if data.get("repair") != "canonical-slots-v1":
            raise SystemExit(f"unknown repair rule {data.get('repair')}")
        self.genes = data["genes"]
        self.k = data["maxRegional"]
        self.sites = data["sites"]
        self.pclouds = data["participantClouds"]
        self.pms = data["participantMs"]
        self.sms = data["siteMs"]
        self.gb = data["gbPerLinkPerRun"]
        self.agg = data["aggregationMsPerChildPerVcpu"]
        self.objectives = [OBJECTIVE_ORDER.index(o) for o in data["objectives"]]
        self.limits = [(OBJECTIVE_ORDER.index(o), data["limits"][o]) for o in OBJECTIVE_ORDER if o in data["limits"]]

    def repair(self, x):
        """Used slots renumbered by the first participant using them; unused slots' sites 0."""
        k, p0 = self.k, 1 + self.k
        x = [int(v) for v in x]
        relabel = [0] * (k + 1)
        sites = [0] * k
        used = 0
        for i in range(p0, len(x)):
            slot = x[i]
            if slot <= 0:
                continue
            if relabel[slot] == 0:
                used += 1
                relabel[slot] = used
                sites[used - 1] = x[slot]
            x[i] = relabel[slot]
        for j in range(k):
            x[1 + j] = sites[j]
        return x

    def measures(self, genes):
        """cost, latency, carbon, egress of a gene vector (repaired first)."""
        x = self.repair(genes)
        k = self.k
        parents = [None if v == 0 else v - 1 for v in x[1 + k:]]
        used = max((p for p in parents if p is not None), default=-1) + 1
        global_site = x[0]
        regional = [x[1 + j] for j in range(used)]
        members = [[] for _ in regional]
        for p, r in enumerate(parents):
            if r is not None:
                members[r].append(p)
        g = self.sites[global_site]
        gb = self.gb
        cost, carbon, egress = g["computeCost"], g["carbonKg"], 0.0
        direct = sum(1 for r in parents if r is None)
        global_aggregation = self.agg * float(direct + len(regional)) / float(g["vcpu"])
        latency = 0.0
        for p, r in enumerate(parents):
            if r is None:
                cost += gb * g["egressPricePerGB"]
                if self.pclouds[p] != g["cloud"]:
                    egress += gb
                latency = max(latency, self.pms[p][global_site])
        for j, s in enumerate(regional):
            site = self.sites[s]
            cost += site["computeCost"] + gb * g["egressPricePerGB"]
            carbon += site["carbonKg"]
            if site["cloud"] != g["cloud"]:
                egress += gb
            slowest = 0.0
            for p in members[j]:
                cost += gb * site["egressPricePerGB"]
                if self.pclouds[p] != site["cloud"]:
                    egress += gb
                slowest = max(slowest, self.pms[p][s])
            regional_aggregation = self.agg * float(len(members[j])) / float(site["vcpu"])
            latency = max(latency, slowest + regional_aggregation + self.sms[s][global_site])
        return [float(cost), latency + global_aggregation, float(carbon), egress]

    def evaluate(self, genes):
        m = self.measures(genes)
        return [m[o] for o in self.objectives], [(m[o] - limit) / limit for o, limit in self.limits]


def evaluate_mode(args):
    with open(args.instance) as f:
        h = Hierarchy(json.load(f))
    with open(args.genomes) as f:
        genomes = json.load(f)
    results = [h.evaluate(x) for x in genomes]
    json.dump({"objectives": [r[0] for r in results], "violations": [r[1] for r in results]}, sys.stdout)
    print()


def run_mode(args):
    try:
        import numpy as np
        import pymoo
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.mutation import Mutation
        from pymoo.core.problem import ElementwiseProblem
        from pymoo.core.repair import Repair
        from pymoo.operators.crossover.sbx import SBX
        from pymoo.operators.crossover.ux import UniformCrossover
        from pymoo.operators.mutation.pm import PM
        from pymoo.operators.repair.rounding import RoundingRepair
        from pymoo.operators.sampling.rnd import IntegerRandomSampling
        from pymoo.optimize import minimize
        from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
    except ImportError:
        sys.exit("pymoo is not installed: pip install pymoo==0.6.2")

    with open(args.instance) as f:
        h = Hierarchy(json.load(f))

    class HierarchyProblem(ElementwiseProblem):
        def __init__(self):
            super().__init__(n_var=len(h.genes), n_obj=len(h.objectives), n_ieq_constr=len(h.limits),
                             xl=np.array([g["lower"] for g in h.genes]), xu=np.array([g["upper"] for g in h.genes]),
                             vtype=int)

        def _evaluate(self, x, out, *args, **kwargs):
            objectives, violations = h.evaluate(x)
            out["F"] = objectives
            if violations:
                out["G"] = violations

    class HierarchyRepair(Repair):
        def _do(self, problem, X, **kwargs):
            return np.array([h.repair(x) for x in X], dtype=X.dtype)

    class CategoricalReset(Mutation):
        """Each gene with probability 1/n becomes a uniformly drawn different choice."""

        def __init__(self):
            super().__init__(prob=1.0)

        def _do(self, problem, X, random_state=None, **kwargs):
            X = np.array(X, copy=True)
            counts = (problem.xu - problem.xl + 1).astype(int)
            mask = random_state.random(X.shape) < 1.0 / X.shape[1]
            for i, j in zip(*np.nonzero(mask)):
                if counts[j] < 2:
                    continue
                choice = int(random_state.integers(counts[j] - 1))
                if choice >= int(X[i, j] - problem.xl[j]):
                    choice += 1
                X[i, j] = problem.xl[j] + choice
            return X

    def algorithm():
        if args.operators == "integer":
            return NSGA2(pop_size=args.population, sampling=IntegerRandomSampling(),
                         crossover=SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()),
                         mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
                         repair=HierarchyRepair(), eliminate_duplicates=True)
        return NSGA2(pop_size=args.population, sampling=IntegerRandomSampling(),
                     crossover=UniformCrossover(prob=0.9), mutation=CategoricalReset(),
                     repair=HierarchyRepair(), eliminate_duplicates=True)

    print(f"pymoo {pymoo.__version__}: NSGA-II {args.population} x {args.generations}, {args.operators} operators, "
          f"{len(h.pclouds)} participants, {len(h.sites)} sites, {len(h.genes)} genes, seeds 1..{args.seeds}")
    cpus = []
    for seed in range(1, args.seeds + 1):
        problem = HierarchyProblem()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        # pymoo counts the initial population as generation 1; FedOptimize's `generations` are
        # mating generations after it. n_gen + 1 gives both 100 + 300 × 100 evaluations.
        result = minimize(problem, algorithm(), ("n_gen", args.generations + 1), seed=seed, verbose=False)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        pop = result.pop
        F, X, CV = pop.get("F"), pop.get("X"), pop.get("CV")
        feasible = np.nonzero(CV[:, 0] <= 0)[0] if CV is not None else np.arange(len(F))
        front = []
        if len(feasible):
            best = NonDominatedSorting().do(F[feasible], only_non_dominated_front=True)
            front = feasible[best]
        cpus.append(cpu)
        run = {"seed": seed, "cpu_s": cpu, "wall_s": wall, "evaluations": int(result.algorithm.evaluator.n_eval),
               "front": F[front].tolist(), "genes": X[front].astype(int).tolist()}
        print(f"  seed {seed}: {cpu:.3f} s CPU, {wall:.3f} s wall, {len(front)} non-dominated", file=sys.stderr)
        print("PYMOO_RUN " + json.dumps(run))
    print(f"PYMOO runs={args.seeds} cpu_median_s={statistics.median(cpus):.6f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    e = sub.add_parser("evaluate", help="evaluate gene vectors (JSON list of lists) and print JSON objectives")
    e.add_argument("instance")
    e.add_argument("genomes")
    r = sub.add_parser("run", help="run pymoo's NSGA-II once per seed")
    r.add_argument("instance")
    r.add_argument("--seeds", type=int, default=5)
    r.add_argument("--population", type=int, default=100)
    r.add_argument("--generations", type=int, default=300)
    r.add_argument("--operators", choices=["integer", "categorical"], default="integer")
    args = parser.parse_args()
    (evaluate_mode if args.mode == "evaluate" else run_mode)(args)


if __name__ == "__main__":
    main()
