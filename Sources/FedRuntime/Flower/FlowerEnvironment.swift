import FedHost
import FedSpec
import Foundation

/// A host's Python with the pinned flwr: the interpreter, where its console scripts are
/// (flower-superlink, flower-supernode, flwr) and the PATH the Flower processes get (they start
/// flower-superexec and flwr-serverapp/clientapp by name).
struct FlowerInterpreter: Sendable, Equatable {
    var python: String
    var scripts: String
    var path: String

    func script(_ name: String) -> String { "\(scripts)/\(name)" }

    /// The environment every Flower process and CLI call runs with: offline-safe (no telemetry,
    /// no update check), its own FLWR_HOME, and a marker that finds the process and everything
    /// it started (flower-superexec detaches into its own session) when fedplane stops them.
    func environment(home: String, marker: String) -> [String] {
        ["env", "PATH=\(scripts):\(path)", "FLWR_HOME=\(home)", "FLWR_TELEMETRY_ENABLED=0", "FLWR_DISABLE_UPDATE_CHECK=1",
         "PYTHONUNBUFFERED=1", "\(FlowerProcesses.markerName)=\(marker)"]
    }
}

/// Checks, before any process starts, that `training.flower.python` exists on a host and has
/// flwr at exactly the pinned version. fedplane does not install it: the error prints the
/// command that does.
enum FlowerEnvironment {
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static func check(host: any FedHost.Host, python: String) throws -> FlowerInterpreter {
        let pin = FlowerSpec.flwrVersion
        let script = """
        p=\(Shell.quote(python)); if [ -d "$p" ]; then p="$p/bin/python3"; fi
        r=$(command -v "$p" 2>/dev/null) || { echo "fedplane-missing $p"; exit 3; }
        echo "$r"
        "$r" -c 'import sys, sysconfig
        try:
            import flwr
            from importlib.metadata import version
            print(version("flwr"))
        except Exception as e:
            print("fedplane-noflwr", type(e).__name__, e)
            sys.exit(4)
        print(sysconfig.get_path("scripts"))' || exit $?
        echo "$PATH"
        """
        let out: HostOutput
        do { out = try host.shell(script, input: nil, timeout: 60) } catch {
            throw Problem(description: "training.flower.python: could not check the Python environment on \(host.label): \(error)")
        }
        let lines = out.stdout.split(separator: "\n").map(String.init)
        let install = "\(python.hasSuffix("/") ? String(python.dropLast()) : python)"
        switch out.status {
        case 0 where lines.count >= 4:
            guard lines[1] == pin else {
                throw Problem(description: "training.flower.python: \(lines[0]) on \(host.label) has flwr \(lines[1]); fedplane drives flwr \(pin) exactly (1.42 changed ports and connection settings): run `\(lines[0]) -m pip install flwr==\(pin)` there")
            }
            return FlowerInterpreter(python: lines[0], scripts: lines[2], path: lines[3])
        case 3:
            throw Problem(description: "training.flower.python: \(install) is not a Python interpreter on \(host.label); make one with flwr there, e.g. `python3 -m venv /opt/flwr && /opt/flwr/bin/pip install flwr==\(pin) numpy scikit-learn` (numpy and scikit-learn are the example app's dependencies; install yours), and set training.flower.python: /opt/flwr")
        case 4:
            let why = lines.last { $0.hasPrefix("fedplane-noflwr") }.map { String($0.dropFirst("fedplane-noflwr ".count)) } ?? ""
            throw Problem(description: "training.flower.python: flwr is not importable with \(lines.first ?? install) on \(host.label) (\(why)); run `\(lines.first ?? install) -m pip install flwr==\(pin)` there (with your app's dependencies)")
        default:
            throw Problem(description: "training.flower.python: checking \(install) on \(host.label) failed (exit \(out.status)): \(out.tail)")
        }
    }
}
