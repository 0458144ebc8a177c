import FedAWSTestSupport
import Foundation

/// A federation whose aws clouds talk to the local AWS emulator: the environment they read
/// (endpoint, fast polling, the test's credentials) and every output kept, for the check that no
/// secret was printed.
final class EmulatedAWS {
    let fed: Federation
    let env: [String: String]
    private(set) var outputs: [String] = []

    init(_ fed: Federation, emulator: AWSEmulator, keyID: String, secret: String) {
        self.fed = fed
        env = ["FEDPLANE_AWS_ENDPOINT": emulator.endpoint, "FEDPLANE_AWS_POLL_INTERVAL_S": "0.05",
               "TEST_AWS_KEY_ID": keyID, "TEST_AWS_SECRET": secret]
    }

    @discardableResult
    func run(_ args: [String]) throws -> CLI.Output {
        let o = try fed.run(args + ["--no-color"], env: env)
        outputs += [o.stdout, o.stderr]
        return o
    }
}
