import FedCatalog
import FedCloud
import FedDigest
import FedPKI
import FedSpec
import FedState
import FedRuntime
import Foundation

/// Everything one command works on: the validated spec, where its state and local resources
/// live, the catalog and the providers. Built once per command.
public struct Workspace: Sendable {
    public let specPath: String
    public let spec: Spec
    public let specDigest: String
    /// The SQLite state file, or with a PostgreSQL state the default file path that anchors this
    /// machine's local files (keys, models, working directories), which stay files either way.
    public let statePath: String
    /// Where the state is: `statePath`, or a PostgreSQL database (`--state postgres://…`,
    /// `FEDPLANE_STATE`).
    public let stateSource: StateSource
    public let localRoot: URL
    public let catalog: Catalog
    public let providers: ProviderSet
    /// Warnings from loading the spec (errors stop `load`).
    public let warnings: [Diagnostic]
    /// With `.require`: the credential problem of each cloud that has one. A cloud the plan
    /// touches must have none; the others were only warned about.
    let credentialProblems: [String: Diagnostic]
    /// Why the spec's `state:` cannot be used here (its variable is unset); opening the state throws it.
    var stateProblem: PlanErrors? = nil

    /// Loads and validates the spec. Throws `Diagnostics` when it has errors.
    public static func load(specPath: String, statePath: String?, credentialCheck: CredentialCheck,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Workspace {
        let specURL = URL(fileURLWithPath: specPath)
        // Locations are checked against the catalog the spec will use: the bundled one, plus the
        // spec's own catalog file. That file's name comes from the spec, so the spec is read first
        // without the region check, then again with it.
        var loader = SpecLoader(credentialCheck: .skip, environment: environment)
        let first = loader.load(path: specPath)
        var catalog = Catalog.bundled
        if let spec = first.spec {
            let (merged, diagnostics) = Catalog.forSpec(spec, specDirectory: specURL.deletingLastPathComponent().path)
            guard let merged else { throw diagnostics }
            catalog = merged
        }
        // Credentials are required only for the clouds the plan touches (see
        // Workspace+Credentials): load with warnings, then decide per cloud.
        loader = SpecLoader(credentialCheck: credentialCheck == .require ? .warn : credentialCheck, environment: environment,
                            knownRegions: Set(catalog.regions.map { $0.ref.description }))
        let result = loader.load(path: specPath)
        guard let spec = result.spec else { throw result.diagnostics }
        let (warnings, credentialProblems) = try CredentialScope.split(result.diagnostics.warnings, spec: spec, catalog: catalog,
                                                                       required: credentialCheck == .require)
        let bytes = (try? ReferencedFile.read(specPath, kind: .spec)) ?? []
        // --state, then FEDPLANE_STATE, then the spec's `state:`, then the default file.
        var given = statePath ?? environment["FEDPLANE_STATE"].flatMap { $0.isEmpty ? nil : $0 }
        // A spec naming an unset variable still validates (a pull request's pipeline may have no
        // secrets); only opening the state reports it.
        var stateProblem: PlanErrors?
        if given == nil, let configured = spec.state {
            do {
                given = try Self.configuredState(configured, specDirectory: specURL.deletingLastPathComponent(), environment: environment)
            } catch let e as PlanErrors { stateProblem = e }
        }
        let source = given.map(StateSource.init)
        let state = given.flatMap { PostgresURL.isPostgres($0) ? nil : URL(fileURLWithPath: $0) }
            ?? specURL.deletingLastPathComponent().appendingPathComponent(".fedplane/\(spec.metadata.name).db")
        let root = state.deletingLastPathComponent().appendingPathComponent(spec.metadata.name)
        let pki = Self.pki(statePath: state.path, federation: spec.metadata.name)
        let stateSource = source ?? .sqlite(path: state.path)
        let aggregators = recordedAggregators(spec: spec, source: stateSource)
        return Workspace(specPath: specPath, spec: spec, specDigest: "sha256:" + SHA256.hex([UInt8](bytes)),
                         statePath: state.path, stateSource: stateSource, localRoot: root, catalog: catalog,
                         providers: ProviderSet(ProviderFactory.providers(spec: spec, localRoot: root, pki: pki,
                                                                          recordedRegionalHosts: recordedRegionalHosts(aggregators)).all
                                                + cloudProviders(spec: spec, specPath: specPath, statePath: state, source: stateSource,
                                                                 recordedAggregators: aggregators, environment: environment)),
                         warnings: warnings, credentialProblems: credentialProblems, stateProblem: stateProblem)
    }

    /// The state the spec's `state:` names: a file relative to the spec, or the URL in the
    /// environment variable it references (an unset variable is an error, not a quiet fallback
    /// to a local file that would plan everything anew).
    static func configuredState(_ state: StateSpec, specDirectory: URL, environment: [String: String]) throws -> String? {
        switch state.backend {
        case .sqlite:
            return state.path.map { $0.hasPrefix("/") ? $0 : specDirectory.appendingPathComponent($0).path }
        case .postgres:
            guard let name = state.urlVariable, let url = environment[name], !url.isEmpty else {
                throw PlanErrors([PlanError(mark: state.mark, path: "state.url",
                                            message: "the environment variable \(state.urlVariable ?? "") is not set; it must hold the postgres:// URL of the state database")])
            }
            guard PostgresURL.isPostgres(url) else {
                throw PlanErrors([PlanError(mark: state.mark, path: "state.url",
                                            message: "the environment variable \(name) does not hold a postgres:// or postgresql:// URL")])
            }
            return url
        }
    }

    /// The federation's CA, certificates and keys (0700; keys 0600), next to the state.
    public var pki: FederationPKI { Self.pki(statePath: statePath, federation: spec.metadata.name) }

    /// `<state directory>/<federation>-pki`: one place decides where a federation's keys live.
    static func pki(statePath: String, federation: String) -> FederationPKI {
        FederationPKI(directory: URL(fileURLWithPath: statePath).deletingLastPathComponent().appendingPathComponent("\(federation)-pki"),
                      federation: federation)
    }

    public var stateExists: Bool {
        switch stateSource {
        case .sqlite(let path): return FileManager.default.fileExists(atPath: path)
        case .postgres: return (try? stateSource.exists(federation: spec.metadata.name)) ?? false
        }
    }

    /// Where global models are kept, content-addressed, next to the state.
    public var modelRoot: URL {
        URL(fileURLWithPath: statePath).deletingLastPathComponent().appendingPathComponent("\(spec.metadata.name)-models")
    }

    /// Opens the state; nil when it does not exist and `create` is false (a first plan reads an
    /// empty state without writing anything). Without `create` (the reading commands), a state
    /// in a directory that cannot be written opens read-only.
    public func openState(create: Bool) throws -> (any StateBackend)? {
        if let stateProblem { throw stateProblem }
        if case .postgres(let url) = stateSource {
            if try !create && !stateSource.exists(federation: spec.metadata.name) { return nil }
            if create { try PrivateFiles.makeDirectory(URL(fileURLWithPath: statePath).deletingLastPathComponent().path) }
            return try PostgresStateStore.open(url: url, federation: spec.metadata.name, create: create)
        }
        if !create && !stateExists { return nil }
        if !create {
            let store = try StateStore.openForReading(path: statePath, federation: spec.metadata.name)
            reportWideFiles()
            return store
        }
        do {
            try PrivateFiles.makeDirectory(URL(fileURLWithPath: statePath).deletingLastPathComponent().path)
            let store = try StateStore.open(path: statePath, federation: spec.metadata.name, create: create)
            reportWideFiles()
            return store
        } catch let e as DatabaseError where e.isNotWritable {
            throw StateStoreError.readOnly(path: statePath, needs: "changes")
        } catch let e as CocoaError where [.fileWriteNoPermission, .fileWriteVolumeReadOnly, .fileWriteUnknown].contains(e.code) {
            throw StateStoreError.readOnly(path: statePath, needs: "changes")
        }
    }

    /// Warns (on stderr) about the state directory, state files, key directory or keys that
    /// others can read: fedplane creates them private, but does not change what it finds.
    func reportWideFiles() {
        var warnings = PrivateFiles.warnings(statePath: statePath)
        let keys = ((try? FileManager.default.contentsOfDirectory(atPath: pki.directory.path)) ?? []).filter { $0.hasSuffix(".key") }.sorted()
        if let m = PrivateFiles.mode(pki.directory.path), m & 0o077 != 0 {
            warnings.append("the key directory \(pki.directory.path) is \(String(m, radix: 8)), readable by others; fedplane creates it 0700 (chmod 700 \(pki.directory.path))")
        }
        warnings += keys.compactMap { PrivateFiles.warning(file: pki.directory.appendingPathComponent($0).path) }
        for w in warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
    }

    /// The plan for this spec against `state`, asking providers what exists.
    public func makePlan(mode: Plan.Mode, state: StateSnapshot?) throws -> Plan {
        let hierarchical = spec.aggregator.topology == .hierarchical
        if mode != .destroy, hierarchical, let problems = hierarchyProblems() { throw problems }
        let planner = Planner(federation: spec.metadata.name, specDigest: specDigest, catalogVersion: catalog.version)
        let observed = try Observation.observe(state, providers: providers)
        if mode == .destroy {
            return planner.plan(mode: .destroy, desired: .empty, placement: nil, state: state, observed: observed)
        }
        if let file = RunCoordinator.modelFile(spec), let problem = ModelFileCheck.problem(file) {
            throw PlanErrors([PlanError(path: "training.model.file", message: problem)])
        }
        var placement = hierarchical ? try placeHierarchy(state) : try place(state)
        placement.summary.durationEstimate = MeasuredDuration.phrase(spec, state: state)
        try requireCredentials(clouds: Set([placement.cloud] + placement.regional.map(\.cloud)))
        let assigned = Dictionary((state?.assignments ?? []).map { ($0.participant, $0.vmID) }, uniquingKeysWith: { a, _ in a })
        let desired: DesiredGraph
        let survey = VMHealthSurvey.run(spec, providers: providers)
        let health = survey.problems
        let liveAggregators = Observation.liveAggregators(state, observed: observed)
        switch DesiredGraph.build(spec: spec, placement: placement, assigned: assigned, cursors: state?.cursors ?? [:],
                                  health: health, runs: RunPlanning.recorded(state), lastRun: state?.lastRun ?? 0,
                                  certificates: CertificatePlanning.desired(spec: spec, placement: placement, state: state, now: Date(),
                                                                            aggregators: liveAggregators),
                                  recordedAggregators: liveAggregators) {
        case .success(let g): desired = g
        case .failure(let e): throw e
        }
        var plan = planner.plan(mode: .normal, desired: desired, placement: placement.summary, state: state, observed: observed)
        plan.drift = survey.drift.isEmpty ? nil : survey.drift
        return plan
    }

    private func place(_ state: StateSnapshot?) throws -> Placement {
        if let p = Placement.onPrivateCloud(spec) { return p }
        do {
            let decision = try optimizer(state: state).decide(recorded: Self.recordedPlacement(state))
            return Placement(decision)
        } catch let e as PlacementInfeasible {
            throw PlanErrors([PlanError(mark: spec.aggregator.mark, path: "aggregator", message: e.message)])
        }
    }

    /// Where the state records `aggregator.main`, if it does.
    public static func recordedPlacement(_ state: StateSnapshot?) -> RecordedLayout.Site? {
        state?.resource(at: "aggregator.main").map(RecordedResource.init).flatMap(recordedSite)
    }

    /// An aggregator's recorded site: its `cloud`, `region` and `instanceType` inputs.
    static func recordedSite(_ r: RecordedResource) -> RecordedLayout.Site? {
        guard let c = r.inputs["cloud"]?.stringValue, let g = r.inputs["region"]?.stringValue,
              let t = r.inputs["instanceType"]?.stringValue else { return nil }
        return RecordedLayout.Site(cloud: c, region: g, instanceType: t)
    }

    /// The aggregator optimizer for this spec, with the spec's weights unless `weights` is given;
    /// with `state`, runs are priced over the duration its finished runs measured (as `plan` does).
    public func optimizer(weights: Weights? = nil, state: StateSnapshot? = nil) -> AggregatorOptimizer {
        AggregatorOptimizer(model: placementModel(state: state), settings: spec.aggregator.optimizer,
                            weights: weights ?? spec.aggregator.weights)
    }

    /// The placement model, its run duration measured by the state's last finished run when
    /// there is one (`RunDurationEstimate`), else `rounds × roundDeadline`.
    public func placementModel(state: StateSnapshot?) -> PlacementModel {
        var model = PlacementModel(spec: spec, catalog: catalog)
        model.duration = MeasuredDuration.estimate(spec, state: state)
        return model
    }

    /// How the run's duration was estimated when the state measured it (nil: the deadline rule).
    public func measuredDuration(state: StateSnapshot?) -> String? { MeasuredDuration.phrase(spec, state: state) }

    /// Every provider the plan needs exists here; apply checks this before its first step.
    public func checkProviders(_ plan: Plan) throws {
        try requireCredentials(clouds: Set(plan.changes.filter { $0.action != .noOp }.map(\.cloud)))
        var errors: [PlanError] = []
        var seen = Set<String>()
        for r in plan.changes where r.action != .noOp && providers.provider(r.provider) == nil && seen.insert(r.cloud).inserted {
            errors.append(PlanError(mark: spec.cloud(named: r.cloud)?.mark, path: "clouds.\(r.cloud)",
                                    message: "the \(r.provider) provider is not available in this fedplane yet (available: \(providers.kinds.filter { $0 != RunDirectories.kind && $0 != CertificatePlanning.provider }.joined(separator: ", ")))"))
        }
        if !errors.isEmpty { throw PlanErrors(errors) }
    }
}
