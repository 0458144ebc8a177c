import FedCloud
import FedDigest
import FedProcess
import FedState
import FedRuntime
import Foundation

/// Carries a plan out, one journalled step at a time.
///
/// Each step writes its intent to state *before* the side effect (journal `started`, and for a
/// new resource a row without a provider id) and records the result *after* it, each in its own
/// transaction. A crash between the two leaves a row the next plan recognises as pending and
/// reconciles by asking the provider, whose operations are idempotent by address.
public struct Applier {
    public enum Phase: String, Sendable {
        /// Intent recorded, side effect not yet done.
        case beforeEffect = "before"
        /// Side effect done, result not yet recorded.
        case afterEffect = "after"
    }

    public struct Outcome: Sendable, Equatable {
        public var added = 0, changed = 0, replaced = 0, destroyed = 0
        public var summary: String {
            "Resources: \(added) added, \(changed) changed, \(replaced) replaced, \(destroyed) destroyed."
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var error: ProviderError
        public var completed: Outcome
        public var description: String { "\(error)\nApply stopped; completed before the error: \(completed.summary)" }
    }

    let store: any StateBackend
    let providers: ProviderSet
    /// Lets the orchestrator confirm (or move) a planned VM assignment just before it is applied.
    var confirm: (ResourceChange) throws -> (change: ResourceChange, cursor: Int?) = { ($0, nil) }
    /// Carries out a training run (`run.<n>`), returning what it produced; runs are not a cloud
    /// resource, so no provider makes them.
    var train: (ResourceChange) throws -> ObservedResource = { c in
        throw PlanError(message: "\(c.address): this apply cannot train")
    }
    /// Called at each step's phases; tests use it to kill a real apply at a chosen point.
    var checkpoint: @Sendable (Int, Phase) -> Void = { _, _ in }
    var progress: (String) -> Void = { _ in }

    public init(store: any StateBackend, providers: ProviderSet,
                confirm: @escaping (ResourceChange) throws -> (change: ResourceChange, cursor: Int?) = { ($0, nil) },
                checkpoint: @escaping @Sendable (Int, Phase) -> Void = { _, _ in },
                progress: @escaping (String) -> Void = { _ in }) {
        self.store = store
        self.providers = providers
        self.confirm = confirm
        self.checkpoint = checkpoint
        self.progress = progress
    }

    /// Carries `plan` out and records it in the audit trail: who ran it, from where, which plan
    /// (its checksum) and how it ended. The row is committed before the first step, so an apply
    /// killed outright stays visible as `running`.
    public func apply(_ plan: Plan) throws -> Outcome {
        let applyID = UUID().uuidString.lowercased()
        let checksum = (try? PlanFile.checksum(plan)) ?? "unknown"
        try store.write { tx in
            try tx.operationStart(applyID: applyID, operation: plan.mode == .destroy ? "destroy" : "apply", owner: store.owner,
                                  planChecksum: checksum, planSummary: plan.summaryLine)
        }
        do {
            let outcome = try apply(plan, applyID: applyID)
            try store.write { tx in try tx.operationFinish(applyID: applyID, result: .succeeded, detail: outcome.summary) }
            return outcome
        } catch {
            let result: OperationRecord.Result = error is Interrupted || Shutdown.signal != nil ? .interrupted : .failed
            try? store.write { tx in try tx.operationFinish(applyID: applyID, result: result, detail: "\(error)") }
            throw error
        }
    }

    private func apply(_ plan: Plan, applyID: String) throws -> Outcome {
        var outcome = Outcome()
        for (i, planned) in plan.executionOrder.enumerated() {
            let step = i + 1
            // A stop request (SIGINT, SIGTERM) is honoured between steps: each step is either
            // done and recorded, or not started.
            if let sig = Shutdown.signal {
                throw Interrupted(signal: sig, detail: "stopped before \(planned.address) (step \(step) of \(plan.executionOrder.count))", completed: outcome.summary)
            }
            let (change, cursor) = try confirm(planned)
            guard let provider = providers.provider(change.provider) else {
                throw PlanError(message: "\(change.address): no \(change.provider) provider in this fedplane")
            }
            progress("\(change.address): \(verb(change.action))…")
            let started = Date()
            do {
                try run(change, step: step, applyID: applyID, provider: provider, cursor: cursor)
            } catch let e as ProviderError {
                try store.write { tx in try tx.journalFinish(applyID: applyID, step: step, outcome: .failed(error: e.description)) }
                throw Failure(error: e, completed: outcome)
            } catch var e as Interrupted {
                // The step's intent stays recorded (a pending row the next plan resumes); the
                // journal says why it did not finish.
                try? store.write { tx in try tx.journalFinish(applyID: applyID, step: step, outcome: .failed(error: e.description)) }
                e.completed = outcome.summary
                throw e
            } catch where Shutdown.signal != nil {
                // Whatever broke while children were being stopped is the stop's doing.
                let e = Interrupted(signal: Shutdown.signal ?? SIGINT, detail: "\(change.address) stopped (\(error))", completed: outcome.summary)
                try? store.write { tx in try tx.journalFinish(applyID: applyID, step: step, outcome: .failed(error: e.description)) }
                throw e
            }
            progress("\(change.address): \(past(change.action)) (\(String(format: "%.0f", Date().timeIntervalSince(started) * 1000)) ms)")
            switch change.action {
            case .create: outcome.added += 1
            case .update: outcome.changed += 1
            case .replace: outcome.replaced += 1
            case .delete: outcome.destroyed += 1
            case .noOp: break
            }
        }
        return outcome
    }

    private func run(_ c: ResourceChange, step: Int, applyID: String, provider: any Provider, cursor: Int?) throws {
        // Inputs known only after an earlier step (a VM's address) are filled in now; the state
        // records them resolved, with their own hash.
        let inputs = try ObservedReference.resolve(c.after ?? .null, for: c.address, in: store)
        let request = ResourceRequest(address: c.address, kind: c.kind, inputs: inputs)
        let inputsHash = inputs == (c.after ?? .null) ? (c.inputsHash ?? "") : inputs.digest

        // Intent: journal the step; a resource about to be made gets a pending row (no provider id).
        func recordPending() throws {
            try store.write { tx in
                try tx.upsertResource(address: c.address, type: c.kind.rawValue, provider: c.provider, providerID: nil,
                                      attributes: RecordedResource.attributes(cloud: c.cloud, inputs: request.inputs,
                                                                              observed: .object([:]), dependsOn: c.dependsOn),
                                      inputsHash: inputsHash)
            }
        }
        // A replace deletes what is recorded through the provider it was recorded with (it may be
        // another cloud's, or know another region) before the new intent overwrites that record:
        // a delete that fails or is cut short leaves the old record, which the next plan finds.
        let recordedProvider = c.action == .replace && c.kind != .run
            ? (try store.snapshot().resource(at: c.address)).flatMap { providers.provider($0.provider) } : nil
        try store.write { tx in
            try tx.journalStart(applyID: applyID, step: step, address: c.address, action: c.action.rawValue)
        }
        if c.action == .create || (c.action == .replace && c.kind == .run) { try recordPending() }
        checkpoint(step, .beforeEffect)

        var observed: ObservedResource?
        switch c.action {
        case _ where c.kind == .run && c.action != .delete:
            observed = try train(c)
        case .create: observed = try provider.create(request)
        case .update: observed = try provider.update(request)
        case .replace:
            try (recordedProvider ?? provider).delete(address: c.address, kind: c.kind)
            try recordPending()
            observed = try provider.create(request)
        case .delete: try provider.delete(address: c.address, kind: c.kind)
        case .noOp: break
        }
        checkpoint(step, .afterEffect)

        try store.write { tx in
            if let observed {
                try tx.upsertResource(address: c.address, type: c.kind.rawValue, provider: c.provider,
                                      providerID: observed.providerID,
                                      attributes: RecordedResource.attributes(cloud: c.cloud, inputs: request.inputs,
                                                                              observed: observed.attributes, dependsOn: c.dependsOn),
                                      inputsHash: inputsHash)
                if c.kind == .assignment, let vm = request.inputs["vm"]?.stringValue,
                   let participant = request.inputs["participant"]?.stringValue {
                    try tx.setAssignment(participant: participant, vmID: vm, reason: c.reasons.last ?? "")
                    if let cursor { try tx.setCursor(participant: participant, to: cursor) }
                }
            } else {
                try tx.deleteResource(address: c.address)
                if c.kind == .assignment { try tx.removeAssignment(participant: String(c.address.dropFirst("assignment.".count))) }
            }
            try tx.journalFinish(applyID: applyID, step: step, outcome: .succeeded)
        }
    }

    private func verb(_ a: PlanAction) -> String {
        switch a {
        case .create: return "creating"
        case .update: return "updating"
        case .replace: return "replacing"
        case .delete: return "destroying"
        case .noOp: return "checking"
        }
    }

    private func past(_ a: PlanAction) -> String {
        switch a {
        case .create: return "created"
        case .update: return "updated"
        case .replace: return "replaced"
        case .delete: return "destroyed"
        case .noOp: return "unchanged"
        }
    }
}
