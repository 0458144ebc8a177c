@testable import FedSpec

/// Test text with position markers (1️⃣, 2️⃣, …) as in swift-format's tests: the markers are
/// removed and their 1-based line:column recorded, so a test says *where* it expects an error.
struct MarkedText {
    static let markers = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"]

    let text: String
    let marks: [String: SourceMark]

    init(_ marked: String) {
        var out = ""
        var marks: [String: SourceMark] = [:]
        var line = 1, column = 1
        var rest = Substring(marked)
        outer: while let c = rest.first {
            for m in Self.markers where rest.hasPrefix(m) {
                marks[m] = SourceMark(line: line, column: column)
                rest = rest.dropFirst(m.count)
                continue outer
            }
            out.append(c)
            if c == "\n" { line += 1; column = 1 } else { column += c.utf8.count }
            rest = rest.dropFirst()
        }
        text = out
        self.marks = marks
    }

    subscript(_ m: String) -> SourceMark { marks[m]! }

    var bytes: [UInt8] { Array(text.utf8) }
}

/// A valid base spec the tests change one piece at a time.
enum Fixture {
    static let header = """
    apiVersion: fedplane/v1
    kind: Federation
    metadata:
      name: test-fed

    """

    static func spec(clouds: String = defaultClouds, aggregator: String = defaultAggregator,
                     participants: String = defaultParticipants, training: String = defaultTraining,
                     extra: String = "") -> String {
        header + clouds + aggregator + participants + training + extra
    }

    static let defaultClouds = """
    clouds:
      aws: { provider: aws, credentials: { env: [FP_TEST_AWS_KEY, FP_TEST_AWS_SECRET] } }
      gcp: { provider: gcp, credentials: { file: ./gcp.json } }
      site-a: { provider: local }
      site-b: { provider: local }

    """

    static let defaultAggregator = """
    aggregator:
      candidates:
        clouds: [aws, gcp]
      requirements:
        maxCost: { amount: 85000, currency: KRW, per: run }
        maxRoundLatency: 250ms
        minVcpu: 2
        minMemoryGiB: 4
      weights: { cost: 9, latency: 1 }

    """

    static let defaultParticipants = """
    participants:
      - name: site-a
        cloud: site-a
        location: aws/us-east-1
        bandwidth: 200Mbps
        networks: [198.51.100.0/26]
        minResources: { vcpu: 2, memoryGiB: 4, diskGiB: 20 }
        vms:
          - { id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40, state: active }
          - { id: vm-002, vcpu: 2, memoryGiB: 4, diskGiB: 20, state: inactive }
      - name: site-b
        cloud: site-b
        location: aws/eu-west-1
        networks: ["2001:db8::/48"]
        vms:
          - { id: vm-001, vcpu: 4, memoryGiB: 8, diskGiB: 40 }

    """

    static let defaultTraining = """
    training:
      rounds: 3
      minParticipants: 2

    """

    /// Environment in which every credential of the default spec exists.
    static let environment = ["FP_TEST_AWS_KEY": "x", "FP_TEST_AWS_SECRET": "y", "HOME": "/nonexistent"]

    static func load(_ text: String, check: CredentialCheck = .skip, env: [String: String] = environment,
                     knownRegions: Set<String>? = nil) -> SpecLoadResult {
        SpecLoader(credentialCheck: check, environment: env, knownRegions: knownRegions)
            .load(bytes: Array(text.utf8), file: "spec.yaml")
    }
}
