import FedCatalog
import FedSpec

/// Credentials are needed for the clouds a plan touches, not for every cloud a spec names: the
/// case study lists AWS, GCP and Azure as aggregator candidates, and a plan uses one of them.
/// A missing credential of a touched cloud is an error; of any other cloud, a warning.
enum CredentialScope {
    /// The cloud a `clouds.<name>.credentials` diagnostic is about.
    static func cloud(of d: Diagnostic) -> String? {
        guard d.path.hasPrefix("clouds."), d.path.hasSuffix(".credentials") else { return nil }
        return String(d.path.dropFirst("clouds.".count).dropLast(".credentials".count))
    }

    /// Splits the loader's warnings: credential problems of the clouds a plan will touch (every
    /// participant's cloud and the aggregator's placement) throw as errors; the others stay
    /// warnings that say when they would matter. Without `required`, nothing changes.
    static func split(_ warnings: [Diagnostic], spec: Spec, catalog: Catalog, required: Bool) throws -> ([Diagnostic], [String: Diagnostic]) {
        guard required else { return (warnings, [:]) }
        var problems: [String: Diagnostic] = [:]
        for w in warnings { if let c = cloud(of: w) { problems[c] = w } }
        guard !problems.isEmpty else { return (warnings, [:]) }
        var touched = Set(spec.participants.map(\.cloud))
        if let aggregator = predictedAggregatorCloud(spec, catalog: catalog) { touched.insert(aggregator) }
        let errors = problems.filter { touched.contains($0.key) }.map { $0.value.asError(using: $0.key) }
        let kept = warnings.compactMap { w -> Diagnostic? in
            guard let c = cloud(of: w) else { return w }
            if touched.contains(c) { return nil }
            var out = w
            out.message += "; the plan does not use \(c) now (needed only if the aggregator goes there)"
            return out
        }
        // The errors come with every other warning, so one run shows all that is missing.
        if !errors.isEmpty { throw Diagnostics(errors + kept) }
        return (kept, problems)
    }

    /// Where the aggregator would go without a recorded placement (the plan itself checks the
    /// placement it really makes, see `Workspace.requireCredentials`).
    static func predictedAggregatorCloud(_ spec: Spec, catalog: Catalog) -> String? {
        if let p = Placement.onPrivateCloud(spec) { return p.cloud }
        let optimizer = AggregatorOptimizer(model: PlacementModel(spec: spec, catalog: catalog), settings: spec.aggregator.optimizer,
                                            weights: spec.aggregator.weights)
        return (try? optimizer.decide()).map { Placement($0).cloud }
    }
}

extension Diagnostic {
    /// The credential warning as the error it is for a cloud the plan uses.
    func asError(using cloud: String) -> Diagnostic {
        var d = self
        d.severity = .error
        d.message += "; the plan uses \(cloud)"
        return d
    }
}

extension Workspace {
    /// A cloud the plan touches must have usable credentials.
    func requireCredentials(clouds: Set<String>) throws {
        let errors = clouds.sorted().compactMap { c in credentialProblems[c]?.asError(using: c) }
        if !errors.isEmpty { throw Diagnostics(errors) }
    }
}
