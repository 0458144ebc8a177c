import ArgumentParser
import FedPlan
import FedState
import Foundation

extension Fedplane.State {
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Copy the state to another backend (a SQLite file or a postgres:// URL) and verify the copy.",
            discussion: """
            Copies identity (lineage and serial, so saved plans stay valid), resources, the apply journal, the audit trail, \
            placement, runs, rounds and model records; then compares row counts and a digest of every value on both sides. \
            The source is read in one transaction and left untouched; the destination must not hold this federation yet. \
            Model files stay where they are (the model store is files, next to the spec's .fedplane directory).
            """)
        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StatePathOptions
        @Option(name: .customLong("to"), help: ArgumentHelp("Where to copy the state: a file path or a postgres:// URL.", valueName: "path|url"))
        var destination: String

        func run() throws {
            try Failure.reporting(specPath: spec.file) {
                let (federation, source) = try Self.source(spec: spec, statePath: state.path)
                let target = StateSource(destination)
                if case .sqlite(let path) = target {
                    try PrivateFiles.makeDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
                }
                let report = try StateCopy.copy(federation: federation, from: source, to: target)
                let rows = report.rows.map { "\($0.count) \($0.table)" }.joined(separator: ", ")
                print("""
                Copied the state of \(federation) from \(source) to \(target): serial \(report.serial), lineage \(report.lineage).
                Rows: \(rows).
                Verified: row counts and digest \(report.digest) match. The source was not changed.
                Use the new state with --state (or FEDPLANE_STATE); keep the old one until you no longer need it.
                """)
            }
        }

        /// The federation and where its state is now: the spec's name (or, with only a state file,
        /// the name the file records) and `--state`/`FEDPLANE_STATE` or the default file.
        static func source(spec: SpecOptions, statePath: String?) throws -> (String, StateSource) {
            do {
                let ws = try Workspace.load(specPath: spec.file, statePath: statePath, credentialCheck: .skip)
                return (ws.spec.metadata.name, ws.stateSource)
            } catch {
                guard let statePath, !PostgresURL.isPostgres(statePath) else { throw error }
                return (try StateStore.federationName(atPath: statePath), .sqlite(path: statePath))
            }
        }
    }
}
