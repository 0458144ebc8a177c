// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "fedplane",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fedplane", targets: ["fedplane"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // Imported by FedRuntime's aggregator service (Hummingbird builds on them).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.60.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.1.0"),
    ],
    targets: [
        // C libraries reached through module maps (see Sources/C*/module.modulemap).
        .systemLibrary(name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        // libpq for the PostgreSQL state backend: synchronous like the engine, no event loop.
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        .target(name: "FedSpec", dependencies: ["CYAML"]),
        .target(name: "FedState", dependencies: ["CSQLite", "CPostgres"]),
        // SHA-256 through swift-crypto (BoringSSL's hardware-accelerated code on Linux).
        .target(name: "FedDigest", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "FedCatalog", dependencies: ["FedDigest"]),
        .target(name: "FedCloud", dependencies: ["FedDigest", "FedHost"]),
        .target(name: "FedRandom"),
        .target(name: "FedOptimize", dependencies: ["FedRandom"]),
        .target(name: "FedHTTP", dependencies: ["CCurl"]),
        // The Cloud Authenticator's AWS half and the AWS provider: SigV4, STS, EC2 over FedHTTP.
        .target(name: "FedAWS", dependencies: ["FedSpec", "FedCloud", "FedHost", "FedHTTP", "FedDigest",
                                               .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "FedModels", dependencies: ["FedState", "FedDigest"]),
        .target(name: "FedWeights"),
        // Phase timings for the round benchmark, written only when FEDPLANE_TRACE is set.
        .target(name: "FedTrace"),
        // Child processes in their own process groups, stopped as whole trees; signal handling.
        .target(name: "FedProcess"),
        // Where the runtime runs things: this machine or a host reached with OpenSSH.
        .target(name: "FedHost", dependencies: ["FedProcess"]),
        .target(name: "FedTrain", dependencies: ["FedWeights", "FedRandom", "FedProcess", "FedTrace"]),
        .target(name: "FedPKI", dependencies: [
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        .target(name: "FedRuntime", dependencies: [
            "FedWeights", "FedTrain", "FedHTTP", "FedDigest", "FedProcess", "FedPKI",
            // The run coordinator: the spec's run, its state, its hosts and the orchestrator.
            "FedSpec", "FedState", "FedModels", "FedCloud", "FedHost", "FedOrchestrate", "FedTrace",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "FedOrchestrate", dependencies: ["FedSpec", "FedRandom"]),
        .target(name: "FedPlan", dependencies: ["FedSpec", "FedState", "FedCatalog", "FedCloud", "FedDigest", "FedOptimize",
                                                "FedOrchestrate", "FedRuntime", "FedModels", "FedTrain", "FedWeights", "FedHTTP",
                                                "FedProcess", "FedPKI", "FedHost", "FedAWS", "FedTrace"]),

        .executableTarget(name: "fedplane", dependencies: [
            "FedSpec", "FedPlan", "FedState", "FedCloud", "FedCatalog", "FedDigest", "FedOrchestrate", "FedRuntime", "FedModels",
            "FedProcess", "FedTrain", "FedWeights", "FedPKI", "FedHost", "FedAWS", "FedTrace",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "fedplane-bench", dependencies: ["FedSpec", "FedState", "FedPlan", "FedCatalog", "FedOptimize", "FedRandom", "FedWeights",
                                                               "FedDigest"]),

        .testTarget(name: "FedSpecTests", dependencies: ["FedSpec"]),
        .testTarget(name: "FedStateTests", dependencies: ["FedState", "FedPostgresTestSupport", "FedTestSupport"]),
        .testTarget(name: "FedCatalogTests", dependencies: ["FedCatalog", "FedDigest"]),
        .testTarget(name: "FedDigestTests", dependencies: ["FedDigest"]),
        .testTarget(name: "FedModelsTests", dependencies: ["FedModels", "FedDigest"]),
        .testTarget(name: "FedPlanTests", dependencies: ["FedPlan", "FedSpec", "FedCatalog", "FedOptimize"]),
        .testTarget(name: "FedOrchestrateTests", dependencies: ["FedOrchestrate", "FedSpec"]),
        .testTarget(name: "FedOptimizeTests", dependencies: ["FedOptimize", "FedRandom"]),
        .testTarget(name: "FedRandomTests", dependencies: ["FedRandom"]),
        .testTarget(name: "FedTrainTests", dependencies: ["FedTrain", "FedWeights"]),
        .testTarget(name: "FedWeightsTests", dependencies: ["FedWeights"]),
        .testTarget(name: "fedplaneTests", dependencies: ["FedSpec", "FedAWSTestSupport", "FedPostgresTestSupport", "FedTestSupport"]),
        .testTarget(name: "FedProcessTests", dependencies: ["FedProcess"]),
        .testTarget(name: "FedPKITests", dependencies: ["FedPKI"]),
        .testTarget(name: "FedHostTests", dependencies: ["FedHost", "FedProcess"]),
        // A real moto_server behind a fault-injecting proxy, for the AWS tests of both targets below.
        .target(name: "FedAWSTestSupport", path: "Tests/FedAWSTestSupport"),
        // A real PostgreSQL server (initdb in a temp dir, 127.0.0.1) for the state backend tests.
        .target(name: "FedPostgresTestSupport", path: "Tests/FedPostgresTestSupport"),
        // offPool: a blocking test body on a thread of its own that stays in the test's task.
        .target(name: "FedTestSupport", path: "Tests/FedTestSupport"),
        .testTarget(name: "FedAWSTests", dependencies: ["FedAWS", "FedAWSTestSupport", "FedHTTP", "FedCloud", "FedSpec", "FedDigest"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "FedRuntimeTests", dependencies: ["FedRuntime", "FedCloud", "FedPKI", "FedWeights", "FedTrain", "FedHTTP", "FedDigest", "FedTrace", "FedTestSupport"]),
    ]
)
