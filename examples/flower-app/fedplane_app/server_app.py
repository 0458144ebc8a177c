"""The ServerApp: FedAvg over the SuperNodes that are online, reporting to fedplane through its contract."""

from flwr.app import ArrayRecord, ConfigRecord, Context
from flwr.common.constant import ErrorCode
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from fedplane_app import fedplane_contract, task

app = ServerApp()


def _usable(replies):
    """The replies to aggregate. A SuperNode that went away mid-round (NODE_UNAVAILABLE: fedplane
    unregisters a dead SuperNode and starts a replacement on the participant's next VM) only
    shrinks the round; a ClientApp that raised fails the run with its error."""
    ok = [r for r in replies if not r.has_error()]
    raised = [r.error.reason for r in replies if r.has_error() and r.error.code != ErrorCode.NODE_UNAVAILABLE]
    if raised:
        raise RuntimeError("ClientApp failed: " + raised[0])
    if not ok:
        raise RuntimeError("no SuperNode replied in this round")
    return ok


class ReportingFedAvg(FedAvg):
    """FedAvg that hands each round's aggregated client metrics to fedplane."""

    def __init__(self, run_config, **kwargs):
        super().__init__(**kwargs)
        self.run_config = run_config

    def aggregate_train(self, server_round, replies):
        replies = list(replies)
        ok = _usable(replies)
        arrays, metrics = super().aggregate_train(server_round, ok)
        line = dict(metrics or {})
        line["participants"] = len(ok)
        line["samples"] = int(line.pop("num-examples", 0)) or sum(int(r.content["metrics"]["num-examples"]) for r in ok)
        fedplane_contract.write_round(self.run_config, server_round, line)
        return arrays, metrics


@app.main()
def main(grid: Grid, context: Context) -> None:
    config = context.run_config
    # Every round waits until this many SuperNodes are online and samples all online ones (a
    # replacement SuperNode has a new node id: it is simply one of them from the next round on).
    nodes = max(1, int(config.get("fedplane-nodes", 1)))
    strategy = ReportingFedAvg(config, fraction_train=1.0, fraction_evaluate=0.0,
                               min_train_nodes=nodes, min_available_nodes=nodes)
    rounds = int(config["num-server-rounds"])
    result = strategy.start(grid=grid, initial_arrays=ArrayRecord(task.initial_weights()), num_rounds=rounds)
    w, b = result.arrays.to_numpy_ndarrays()
    fedplane_contract.write_model(config, {"weight": w, "bias": b})

    # One evaluation of the final model on every node, so it carries metrics of its own.
    final = FedAvg(fraction_train=0.0, fraction_evaluate=1.0, min_evaluate_nodes=nodes, min_available_nodes=nodes)
    replies = list(grid.send_and_receive(messages=final.configure_evaluate(rounds + 1, result.arrays, ConfigRecord(), grid)))
    ok = [r for r in replies if not r.has_error()]
    metrics = final.aggregate_evaluate(rounds + 1, ok) if ok else None
    if metrics:
        line = dict(metrics)
        line["participants"] = len(ok)
        line["samples"] = int(line.pop("num-examples", 0))
        fedplane_contract.write_final(config, line)
