import FedCloud
import FedState
import FedRuntime
import Foundation

extension Workspace {
    /// Runs `body` holding the state's writer lock; the lock is released however `body` ends.
    public func withLock<T>(_ store: any StateBackend, operation: String, timeout: Duration,
                            _ body: () throws -> T) throws -> T {
        let lock = try store.lock(operation: operation, timeout: timeout)
        defer { try? store.unlock(lock.id) }
        return try body()
    }

    /// Applies `plan` to `store` (already locked by the caller): keeps a backup of the state as it
    /// was, then runs the journalled steps.
    public func apply(_ plan: Plan, to store: any StateBackend,
                      checkpoint: @escaping @Sendable (Int, Applier.Phase) -> Void = { _, _ in },
                      progress: @escaping (String) -> Void = { _ in }) throws -> Applier.Outcome {
        _ = try store.backupBeforeApply()
        let assigner = VMAssigner(spec: spec, providers: providers)
        var applier = Applier(store: store, providers: providers, confirm: assigner.confirm, checkpoint: checkpoint,
                              progress: progress)
        let coordinator = RunCoordinator(environment: RunEnvironment(spec: spec, localRoot: localRoot, modelRoot: modelRoot, pki: pki, providers: providers),
                                         store: store, progress: progress)
        let flower = FlowerRun(environment: coordinator.environment, store: store, progress: progress)
        let runtime = spec.training.runtime
        applier.train = { change in
            let number = RunPlanning.number(change.address)
            try recordPrediction(store, run: number)
            return runtime == .flower ? try flower.run(number: number) : try coordinator.run(number: number)
        }
        return try applier.apply(plan)
    }
}

extension Workspace {
    /// Brings recorded observations up to date and forgets resources that no longer exist.
    /// Returns one line per drifted resource.
    public func refresh(_ store: any StateBackend) throws -> [String] {
        let snapshot = try store.snapshot()
        let observed = try Observation.observe(snapshot, providers: providers)
        var drift: [String] = []
        try store.write { tx in
            for row in snapshot.resources {
                let r = RecordedResource(row)
                switch observed[row.address] ?? nil {
                case nil:
                    _ = try tx.deleteResource(address: row.address)
                    if r.kind == .assignment { _ = try tx.removeAssignment(participant: String(row.address.dropFirst("assignment.".count))) }
                    drift.append("- \(row.address): \(r.isPending ? "never created (an apply was interrupted)" : "deleted outside fedplane"); forgotten, the next plan creates it again")
                case let seen?:
                    guard seen.attributes != r.observed || seen.providerID != row.providerID else { continue }
                    _ = try tx.upsertResource(address: row.address, type: row.type, provider: row.provider, providerID: seen.providerID,
                                              attributes: RecordedResource.attributes(cloud: r.cloud, inputs: .object(r.inputs),
                                                                                      observed: seen.attributes, dependsOn: r.dependsOn),
                                              inputsHash: row.inputsHash)
                    drift.append("~ \(row.address): \(r.isPending ? "created by an interrupted apply; recorded now" : "observed attributes changed; recorded")")
                }
            }
        }
        return drift
    }
}
