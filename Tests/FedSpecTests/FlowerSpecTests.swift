import Foundation
import Testing
@testable import FedSpec

/// `training.runtime` and `training.flower`: the Flower app section, its positioned errors, and
/// the app directory check (exists, has a pyproject.toml declaring fedplane's run-config keys).
@Suite struct FlowerSpecTests {
    /// A Flower app directory in a fresh temp dir; `pyproject` nil leaves the file out.
    static func app(pyproject: String? = """
        [tool.flwr.app.config]
        num-server-rounds = 2
        fedplane-metrics-path = ""
        fedplane-model-path = ""
        """) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedplane-flower-spec-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        if let pyproject { try Data(pyproject.utf8).write(to: dir.appendingPathComponent("pyproject.toml")) }
        return dir
    }

    func errors(_ m: MarkedText) -> [String] {
        Fixture.load(m.text).diagnostics.sorted.filter { $0.severity == .error }.map(\.rendered)
    }

    @Test func theBuiltinRuntimeIsTheDefault() throws {
        let spec = try #require(Fixture.load(Fixture.spec(training: "training: { rounds: 2 }\n")).spec)
        #expect(spec.training.runtime == .builtin)
        #expect(spec.training.flower == nil)
    }

    @Test func aFlowerSectionDecodesWithItsRunConfigInOrder() throws {
        let dir = try Self.app()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = Fixture.load(Fixture.spec(training: """
        training:
          rounds: 2
          runtime: flower
          flower:
            app: \(dir.path)
            federation: lab
            python: /opt/venv
            runConfig: { local-epochs: 3, learning-rate: 0.5, label: "7", fail: false, name: plain text }

        """))
        #expect(r.diagnostics.items.isEmpty, "\(r.diagnostics.items.map(\.rendered))")
        let f = try #require(r.spec?.training.flower)
        #expect(r.spec?.training.runtime == .flower)
        #expect(f.app == dir.path && f.federation == "lab" && f.python == "/opt/venv")
        #expect(f.runConfig == [.init(key: "local-epochs", value: .integer(3)), .init(key: "learning-rate", value: .number(0.5)),
                                .init(key: "label", value: .string("7")), .init(key: "fail", value: .bool(false)),
                                .init(key: "name", value: .string("plain text"))])
    }

    @Test func defaultsAreFedplaneAndPython3() throws {
        let dir = try Self.app()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = try #require(Fixture.load(Fixture.spec(training: "training: { rounds: 1, runtime: flower, flower: { app: \(dir.path) } }\n")).spec?.training.flower)
        #expect(f.federation == "fedplane" && f.python == "python3" && f.runConfig.isEmpty)
    }

    @Test func unknownRuntimeAndMisplacedSectionsArePositioned() throws {
        var m = MarkedText(Fixture.spec(training: "training: { rounds: 1, runtime: 1️⃣flwr }\n"))
        #expect(errors(m) == ["spec.yaml:\(m["1️⃣"].line):\(m["1️⃣"].column): training.runtime: unknown value \"flwr\" (did you mean \"flower\"?); expected one of builtin, flower"])
        m = MarkedText(Fixture.spec(training: "training: { rounds: 1, flower: 1️⃣{ app: x } }\n"))
        #expect(errors(m) == ["spec.yaml:\(m["1️⃣"].line):\(m["1️⃣"].column): training.flower: training.flower applies to runtime: flower only (add runtime: flower beside it, or remove it)"])
        m = MarkedText(Fixture.spec(training: "training: { rounds: 1, runtime: builtin, flower: 1️⃣{ app: x } }\n"))
        #expect(errors(m) == ["spec.yaml:\(m["1️⃣"].line):\(m["1️⃣"].column): training.flower: training.flower applies to runtime: flower only (add runtime: flower beside it, or remove it)"])
        m = MarkedText(Fixture.spec(training: "training: { rounds: 1, runtime: 1️⃣flower }\n"))
        #expect(errors(m) == ["spec.yaml:\(m["1️⃣"].line):\(m["1️⃣"].column): training.runtime: runtime: flower needs training.flower with at least app (the Flower app's directory)"])
    }

    @Test func fieldsInsideFlowerAreChecked() throws {
        let dir = try Self.app()
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = MarkedText(Fixture.spec(training: """
        training:
          rounds: 1
          runtime: flower
          flower:
            app: \(dir.path)
            federation: 1️⃣Big_Name
            runConfig: { 2️⃣fedplane-model-path: /tmp/x, lr: 3️⃣[1, 2] }
            4️⃣pyhton: python3

        """))
        #expect(errors(m) == [
            "spec.yaml:\(m["1️⃣"].line):\(m["1️⃣"].column): training.flower.federation: expected a name of lowercase letters, digits and '-' (it names the SuperLink connection in Flower's config.toml), got \"Big_Name\"",
            "spec.yaml:\(m["2️⃣"].line):\(m["2️⃣"].column + "fedplane-model-path: ".count): training.flower.runConfig.fedplane-model-path: run-config keys starting with fedplane- are set by fedplane itself (see README: Flower apps on fedplane infrastructure)",
            "spec.yaml:\(m["3️⃣"].line):\(m["3️⃣"].column): training.flower.runConfig.lr: expected a string, number or boolean, got a list",
            "spec.yaml:\(m["4️⃣"].line):\(m["4️⃣"].column): training.flower.pyhton: unknown field \"pyhton\" (did you mean \"python\"?); known fields here: app, federation, runConfig, python",
        ])
    }

    @Test func theAppDirectoryMustExistAndDeclareTheContractKeys() throws {
        let missing = "/nonexistent/fedplane-flower-app"
        var m = MarkedText(Fixture.spec(training: "training: { rounds: 1, runtime: flower, flower: { app: 1️⃣\(missing) } }\n"))
        #expect(errors(m) == ["spec.yaml:\(m["1️⃣"].line):\(m["1️⃣"].column): training.flower.app: the Flower app directory \(missing) does not exist"])

        let bare = try Self.app(pyproject: nil)
        defer { try? FileManager.default.removeItem(at: bare) }
        m = MarkedText(Fixture.spec(training: "training: { rounds: 1, runtime: flower, flower: { app: 1️⃣\(bare.path) } }\n"))
        #expect(errors(m) == ["spec.yaml:\(m["1️⃣"].line):\(m["1️⃣"].column): training.flower.app: the Flower app directory \(bare.path) has no readable pyproject.toml"])

        let undeclared = try Self.app(pyproject: "[tool.flwr.app.config]\nfedplane-model-path = \"\"\n")
        defer { try? FileManager.default.removeItem(at: undeclared) }
        m = MarkedText(Fixture.spec(training: "training: { rounds: 1, runtime: flower, flower: { app: 1️⃣\(undeclared.path) } }\n"))
        let e = errors(m)
        #expect(e.count == 1)
        #expect(e.first?.hasPrefix("spec.yaml:\(m["1️⃣"].line):\(m["1️⃣"].column): training.flower.app: \(undeclared.path)/pyproject.toml does not declare fedplane-metrics-path under [tool.flwr.app.config]") == true, "\(e)")
    }

    @Test func theExampleAppAndItsSpecPassTheChecks() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        #expect(FlowerAppCheck.problem("examples/flower-app", specDirectory: repo) == nil)
        let r = SpecLoader(credentialCheck: .skip).load(path: repo.appendingPathComponent("examples/flower-app/fedplane.yaml").path)
        #expect(r.diagnostics.items.isEmpty, "\(r.diagnostics.items.map(\.rendered))")
        let f = try #require(r.spec?.training.flower)
        #expect(f.app == "." && r.spec?.participants.count == 3)
    }

    @Test func declaredKeysAreFoundOnlyAsAssignments() {
        #expect(FlowerAppCheck.declares("x = 1\nfedplane-nodes = 0\n", key: "fedplane-nodes"))
        #expect(FlowerAppCheck.declares("  \"fedplane-nodes\"=0", key: "fedplane-nodes"))
        #expect(!FlowerAppCheck.declares("# fedplane-nodes is optional\n", key: "fedplane-nodes"))
        #expect(!FlowerAppCheck.declares("fedplane-nodes-extra = 1", key: "fedplane-nodes"))
    }
}
