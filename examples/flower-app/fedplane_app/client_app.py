"""The ClientApp: evaluates the global model it receives on its held-out data, then trains on it;
`evaluate` measures the final model once, after the last round.

Reporting the received model's metrics with the update (and skipping Flower's separate evaluate
phase) costs one message phase per round instead of two; fedplane's built-in runtime measures the
same way (round r's metrics belong to the model that entered round r).
"""

from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from fedplane_app import task

app = ClientApp()


@app.train()
def train(msg: Message, context: Context) -> Message:
    if context.run_config.get("fail"):
        raise RuntimeError("the example app was asked to fail (run config fail=true)")
    node = context.node_config
    (x, y), (xt, yt) = task.load_partition(int(node["partition-id"]), int(node["num-partitions"]), str(node.get("data-path", "")))
    weights = msg.content["arrays"].to_numpy_ndarrays()
    measured = task.evaluate(weights, xt, yt)
    updated = task.train(weights, x, y, int(context.run_config["local-epochs"]), float(context.run_config["learning-rate"]))
    metrics = MetricRecord({**measured, "num-examples": len(x)})
    return Message(RecordDict({"arrays": ArrayRecord(updated), "metrics": metrics}), reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    node = context.node_config
    _, (xt, yt) = task.load_partition(int(node["partition-id"]), int(node["num-partitions"]), str(node.get("data-path", "")))
    measured = task.evaluate(msg.content["arrays"].to_numpy_ndarrays(), xt, yt)
    return Message(RecordDict({"metrics": MetricRecord({**measured, "num-examples": len(xt)})}), reply_to=msg)
