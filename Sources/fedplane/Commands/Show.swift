import ArgumentParser
import FedDigest
import FedPlan
import FedState
import Foundation

extension Fedplane {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the recorded state of the federation.")

        @OptionGroup var spec: SpecOptions
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try StateLocation(spec: spec, state: state).use { store in
                let snapshot = try store.snapshot()
                if output.json {
                    print(StateView.json(snapshot).canonical)
                } else {
                    print(StateView.human(snapshot), terminator: "")
                }
            }
        }
    }
}

/// Finds the state file: `--state`, or the default next to the spec (whose name it needs).
struct StateLocation {
    let spec: SpecOptions
    let state: StateOptions

    /// Runs `body` with the open state, reporting any error the way commands do.
    func use(_ body: (StateStore) throws -> Void) throws {
        try Failure.reporting(specPath: spec.file) {
            let store = try open()
            defer { store.close() }
            try body(store)
        }
    }

    func open() throws -> StateStore {
        if let path = state.path {
            guard FileManager.default.fileExists(atPath: path) else { throw StateStoreError.missing(path: path) }
            return try StateStore.openForReading(path: path, federation: try federationName(at: path))
        }
        let ws = try Workspace.load(specPath: spec.file, statePath: nil, credentialCheck: .skip)
        guard let store = try ws.openState(create: false) else {
            throw StateStoreError.missing(path: ws.statePath)
        }
        return store
    }

    /// With only `--state` given, the federation is whatever the file says (no spec to compare).
    private func federationName(at path: String) throws -> String {
        if let name = try? Workspace.load(specPath: spec.file, statePath: path, credentialCheck: .skip).spec.metadata.name {
            return name
        }
        return try StateStore.federationName(atPath: path)
    }
}

enum StateView {
    static func human(_ s: StateSnapshot) -> String {
        var out = "Federation \(s.federation) — state serial \(s.serial), lineage \(s.lineage)\n"
        if s.resources.isEmpty { return out + "\nThe state holds no resources.\n" }
        for r in s.resources {
            out += "\n\(r.address)\(r.providerID == nil ? "  (pending: an apply was interrupted)" : "")\n"
            out += "    provider\(String(repeating: " ", count: 4)) = \(r.provider)\(r.providerID.map { " (\($0))" } ?? "")\n"
            if let doc = try? JSONValue.parse(r.attributes) {
                let sections = ["inputs", "observed"].compactMap { doc[$0]?.objectValue }
                let width = sections.flatMap(\.keys).map(\.count).max() ?? 0
                for o in sections {
                    for key in o.keys.sorted() {
                        out += "    \(key.padding(toLength: max(width, 11), withPad: " ", startingAt: 0)) = \(o[key]!.canonical)\n"
                    }
                }
            }
        }
        if !s.assignments.isEmpty {
            out += "\nAssignments:\n"
            for a in s.assignments { out += "    \(a.participant) → \(a.vmID)  (\(a.reason))\n" }
        }
        return out
    }

    static func json(_ s: StateSnapshot) -> JSONValue {
        [
            "format_version": "1.0",
            "federation": .string(s.federation), "lineage": .string(s.lineage), "serial": .number(Double(s.serial)),
            "resources": .array(s.resources.map { r in
                [
                    "address": .string(r.address), "type": .string(r.type), "provider": .string(r.provider),
                    "provider_id": r.providerID.map { .string($0) } ?? .null,
                    "attributes": (try? JSONValue.parse(r.attributes)) ?? .null,
                    "inputs_hash": .string(r.inputsHash),
                ]
            }),
            "assignments": .array(s.assignments.map { ["participant": .string($0.participant), "vm": .string($0.vmID), "reason": .string($0.reason)] }),
        ]
    }
}
