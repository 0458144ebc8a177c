import ArgumentParser
import FedDigest
import FedPlan
import FedSpec
import FedState
import Foundation

extension Fedplane {
    struct State: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect or edit the recorded state.",
            discussion: """
            Every apply first copies the state to <state>.backup. If the state file is damaged, \
            fedplane refuses to touch it and says how to restore that copy.
            """,
            subcommands: [List.self, ShowResource.self, Remove.self, Migrate.self]
        )

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the recorded resource addresses.")
            @OptionGroup var spec: SpecOptions
            @OptionGroup var state: StatePathOptions

            func run() throws {
                try StateLocation(spec: spec, statePath: state.path).use { store in
                    for r in try store.snapshot().resources { print(r.address) }
                }
            }
        }

        struct ShowResource: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "show", abstract: "Show one recorded resource: its inputs (from the spec) and what was observed at its provider.")
            @Argument(help: "The resource address, e.g. aggregator.main.") var address: String
            @OptionGroup var spec: SpecOptions
            @OptionGroup var state: StatePathOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try StateLocation(spec: spec, statePath: state.path).use { store in
                    let snapshot = try store.snapshot()
                    guard let r = snapshot.resource(at: address) else {
                        let known = snapshot.resources.map(\.address)
                        Console.stderr("error: no resource \(TerminalText.escape(address)) in the state\(known.isEmpty ? "" : "; it holds: \(known.joined(separator: ", "))")")
                        throw ExitCode.failure
                    }
                    let one = StateSnapshot(lineage: snapshot.lineage, serial: snapshot.serial, federation: snapshot.federation,
                                            resources: [r], assignments: [], cursors: [:])
                    let live = AggregatorLiveness(statePath: try StateLocation(spec: spec, statePath: state.path).localStatePath(), federation: snapshot.federation)
                    if output.json {
                        if case .array(let items)? = StateView.json(one, liveness: live)["resources"], let first = items.first { print(first.canonical) }
                    } else {
                        print(StateView.resource(r, liveness: live), terminator: "")
                    }
                }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "rm",
                abstract: "Forget a resource without destroying it (fedplane stops managing it).")
            @Argument(help: "The resource address.") var address: String
            @OptionGroup var spec: SpecOptions
            @OptionGroup var state: StateOptions

            func run() throws {
                try StateLocation(spec: spec, state: state).use { store in
                    let lock = try store.lock(operation: "state rm", timeout: state.timeout())
                    defer { try? store.unlock(lock.id) }
                    let removed = try store.write { tx -> Bool in
                        let gone = try tx.deleteResource(address: address)
                        if gone && address.hasPrefix("assignment.") {
                            _ = try tx.removeAssignment(participant: String(address.dropFirst("assignment.".count)))
                        }
                        return gone
                    }
                    guard removed else {
                        Console.stderr("error: no resource \(address) in the state; `fedplane state list` shows what it holds")
                        throw ExitCode.failure
                    }
                    print("Removed \(address) from the state. It still exists at its provider; fedplane no longer manages it.")
                }
            }
        }
    }

    struct ForceUnlock: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "force-unlock",
            abstract: "Release a state lock left by a process that died.",
            discussion: "A lock whose holder still runs on this host is refused (naming its pid) unless --force.")
        @Argument(help: "The lock ID shown in the lock error.") var lockID: String
        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StateOptions
        @Flag(name: .customLong("force"), help: "Release the lock even though its holder is still running on this host.")
        var force = false

        func run() throws {
            try StateLocation(spec: spec, state: state).use { store in
                let released = try store.forceUnlock(lockID, force: force)
                print("The state lock \(lockID) (held by \(released.who), pid \(released.pid), operation \(released.operation)) was released.")
            }
        }
    }

    struct Refresh: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the providers what really exists and record it; report drift.",
            discussion: "A resource deleted outside fedplane is forgotten here, and the next plan creates it again.")
        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StateOptions

        func run() throws {
            do {
                let ws = try Workspace.load(specPath: spec.file, statePath: state.path, credentialCheck: .require)
                guard let store = try ws.openState(create: false) else { throw StateStoreError.missing(path: ws.stateSource.description) }
                defer { store.close() }
                let drift = try ws.withLock(store, operation: "refresh", timeout: state.timeout()) { try ws.refresh(store) }
                if drift.isEmpty { print("No drift: every recorded resource exists as recorded.") }
                for d in drift { print(d) }
            } catch { throw Failure.report(error, specPath: spec.file) }
        }
    }
}
