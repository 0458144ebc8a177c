import FedPostgresTestSupport
import Foundation
import Testing
import FedTestSupport

/// `fedplane` with its state in a real PostgreSQL server (`FEDPLANE_STATE=postgres://…`): the
/// pipeline cases a shared state must survive. The URL carries a canary password that no output
/// may show.
@Suite struct PostgresStateCLITests {
    struct Shared {
        let f: Federation
        let server: PostgresServer
        let url: String
        var database: String { String(url.split(separator: "/").last!) }
        var env: [String: String] { ["FEDPLANE_STATE": url] }

        init(rounds: Int = 1) throws {
            server = try PostgresServer.shared()
            url = try server.createDatabase()
            f = try Federation()
            try f.editSpec { $0.replacingOccurrences(of: "rounds: 10", with: "rounds: \(rounds)") }
        }

        func lockRows() -> String {
            (try? server.psql("SELECT count(*) FROM fedplane_quickstart.lock", database: database))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        }

        /// Advisory locks held in this test's own database (other tests share the server).
        func heldAdvisoryLocks() -> String {
            (try? server.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", database: database))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        }

        func noPassword(_ o: CLI.Output, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!o.stdout.contains(PostgresServer.password) && !o.stderr.contains(PostgresServer.password),
                    "the password leaked: \(o.stdout) \(o.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test func applyKilledMidwayFreesTheLockAndTheNextApplyContinues() async throws { try await offPool { try Self().applyKilledMidwayFreesTheLockAndTheNextApplyContinuesBody() } }
    func applyKilledMidwayFreesTheLockAndTheNextApplyContinuesBody() throws {
        let s = try Shared()
        let plan = try s.f.run(["plan", "--out", "plan.bin"], env: s.env)
        #expect(plan.status == 0, "\(plan.stderr)")
        s.noPassword(plan)
        let planBytes = try Data(contentsOf: s.f.dir.url.appendingPathComponent("plan.bin"))
        #expect(!String(decoding: planBytes, as: UTF8.self).contains(PostgresServer.password))

        // SIGKILL after step 3's side effect: no handler runs, no unlock, the session just drops.
        let killed = try s.f.run(["apply", "--auto-approve"], env: s.env.merging(["FEDPLANE_TEST_CRASH_AT": "3:after"]) { _, b in b })
        #expect(killed.status != 0)
        s.noPassword(killed)
        #expect(s.lockRows() == "1", "the killed apply's lock row stays behind")
        #expect(!FileManager.default.fileExists(atPath: s.f.statePath), "the state went to PostgreSQL, not a file")

        // No force-unlock: the advisory lock ended with the session.
        let next = try s.f.run(["apply", "--auto-approve", "--lock-timeout", "10s"], env: s.env)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdout.contains("Apply complete!"), "\(next.stdout)")
        s.noPassword(next)
        let again = try s.f.run(["plan", "--detailed-exitcode"], env: s.env)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(s.lockRows() == "0")
        let show = try s.f.run(["show"], env: s.env)
        #expect(show.status == 0 && show.stdout.contains("aggregator.main"), "\(show.stderr)")
        s.noPassword(show)
        let audit = try s.f.run(["audit"], env: s.env)
        #expect(audit.status == 0, "\(audit.stderr)")
    }

    @Test func twoAppliesFromTwoProcessesExactlyOneProceeds() async throws { try await offPool { try Self().twoAppliesFromTwoProcessesExactlyOneProceedsBody() } }
    func twoAppliesFromTwoProcessesExactlyOneProceedsBody() throws {
        let s = try Shared()
        // Two working copies of the same spec, as on two machines.
        let other = try Federation(String(contentsOf: s.f.spec, encoding: .utf8))
        let (slow, slowOut, slowErr) = try s.f.start(["apply", "--auto-approve"],
                                                    env: s.env.merging(["FEDPLANE_TEST_STEP_DELAY_MS": "150"]) { _, b in b })
        defer { if slow.isRunning { kill(slow.processIdentifier, SIGKILL); slow.waitUntilExit() } }
        var waited = 0
        while waited < 400, s.lockRows() != "1" { usleep(50_000); waited += 1 }
        let second = try other.run(["apply", "--auto-approve"], env: s.env)
        slow.waitUntilExit()
        let out = String(decoding: slowOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(slow.terminationStatus == 0, "\(String(decoding: slowErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        #expect(out.contains("Apply complete!"))
        #expect(second.status == 1)
        #expect(second.stderr.contains("state is locked by"), "\(second.stderr)")
        #expect(second.stderr.contains("pid \(slow.processIdentifier), operation apply"), "\(second.stderr)")
        s.noPassword(second)
        // The second working copy reads the first one's result (its local provider's directories
        // are the first copy's, so only the recorded state is compared).
        let show = try other.run(["show", "--json"], env: s.env)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("\"serial\"") && show.stdout.contains("aggregator.main"), "\(show.stdout)")
        #expect(s.heldAdvisoryLocks() == "0")
    }

    @Test func aWrongPasswordIsReportedMasked() async throws { try await offPool { try Self().aWrongPasswordIsReportedMaskedBody() } }
    func aWrongPasswordIsReportedMaskedBody() throws {
        let s = try Shared()
        let wrong = s.server.url(database: s.database, password: "canary-Other-5511")
        let r = try s.f.run(["plan", "--state", wrong])
        #expect(r.status == 1)
        #expect(!r.stderr.contains("canary-Other-5511") && !r.stdout.contains("canary-Other-5511"), "\(r.stderr)")
        #expect(r.stderr.contains("password authentication failed"), "\(r.stderr)")
    }
}

extension PostgresStateCLITests {
    @Test func stateMigrateMovesAnAppliedFederationToPostgres() async throws { try await offPool { try Self().stateMigrateMovesAnAppliedFederationToPostgresBody() } }
    func stateMigrateMovesAnAppliedFederationToPostgresBody() throws {
        let s = try Shared()
        #expect(try s.f.run(["apply", "--auto-approve"]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: s.f.statePath))
        let r = try s.f.run(["state", "migrate", "--to", s.url])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Verified: row counts and digest"), "\(r.stdout)")
        s.noPassword(r)
        #expect(try Data(contentsOf: URL(fileURLWithPath: s.f.statePath)) == before, "the source was changed")
        // The migrated state is the same world: nothing to do.
        let plan = try s.f.run(["plan", "--detailed-exitcode"], env: s.env)
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
    }
}

extension PostgresStateCLITests {
    @Test func theSpecSelectsPostgresThroughAnEnvironmentVariable() async throws { try await offPool { try Self().theSpecSelectsPostgresThroughAnEnvironmentVariableBody() } }
    func theSpecSelectsPostgresThroughAnEnvironmentVariableBody() throws {
        let s = try Shared()
        try s.f.editSpec { $0.replacingOccurrences(of: "policy:\n", with: "state:\n  backend: postgres\n  url: ${env:FEDPLANE_PG_URL}\n\npolicy:\n") }
        // Validation needs no secret (a pull request from a fork has none); using the state does.
        #expect(try s.f.run(["validate"]).status == 0)
        let unset = try s.f.run(["plan"], env: ["FEDPLANE_PG_URL": ""])
        #expect(unset.status == 1)
        #expect(unset.stderr.contains("state.url: the environment variable FEDPLANE_PG_URL is not set"), "\(unset.stderr)")
        let applied = try s.f.run(["apply", "--auto-approve"], env: ["FEDPLANE_PG_URL": s.url])
        #expect(applied.status == 0, "\(applied.stderr)")
        s.noPassword(applied)
        #expect(!FileManager.default.fileExists(atPath: s.f.statePath))
        #expect(s.lockRows() == "0")
        #expect(try s.f.run(["plan", "--detailed-exitcode"], env: ["FEDPLANE_PG_URL": s.url]).status == 0)

        // A URL written into the spec is refused without being echoed.
        try s.f.editSpec { $0.replacingOccurrences(of: "${env:FEDPLANE_PG_URL}", with: "'\(s.url)'") }
        let inline = try s.f.run(["validate"])
        #expect(inline.status != 0)
        #expect(inline.stderr.contains("reference the connection URL from the environment"), "\(inline.stderr)")
        s.noPassword(inline)
    }
}

extension PostgresStateCLITests {
    /// FaultTests' crash test against PostgreSQL: SIGKILL at journal steps, before and after the
    /// side effect. The state holds every resource that really exists, exactly one step is left
    /// `started`, the lock needs no force-unlock, and the next plan reconciles.
    @Test(arguments: ["1:before", "1:after", "5:after", "11:before"])
    func applyKilledAtAStepIsReconciled(_ point: String) async throws { try await offPool { try Self().applyKilledAtAStepIsReconciledBody(point) } }
    func applyKilledAtAStepIsReconciledBody(_ point: String) throws {
        let s = try Shared()
        func sql(_ q: String) throws -> String {
            try s.server.psql("SET search_path TO fedplane_quickstart; \(q)", database: s.database)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let (p, _, _) = try s.f.start(["apply", "--auto-approve"], env: s.env.merging(["FEDPLANE_TEST_CRASH_AT": point]) { _, b in b })
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL, "apply was not killed at \(point)")
        let recorded = Set(try sql("SELECT address FROM resources").split(separator: "\n").map(String.init))
        #expect(s.f.localResources().isSubset(of: recorded), "orphans: \(s.f.localResources().subtracting(recorded))")
        #expect(try sql("SELECT count(*) FROM apply_journal WHERE status = 'started'") == "1")
        #expect(try sql("SELECT result FROM operations") == "running")

        let plan = try s.f.run(["plan", "--no-color"], env: s.env)
        #expect(plan.status == 0, "\(plan.stderr)")
        let expected = point.hasSuffix(":after")
            ? "an interrupted apply created it without recording it; adopt it"
            : "an interrupted apply announced it but did not create it"
        #expect(plan.stdout.contains(expected), "\(plan.stdout)")
        let finish = try s.f.run(["apply", "--auto-approve"], env: s.env)
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(try s.f.run(["plan", "--detailed-exitcode"], env: s.env).status == 0)
        #expect(s.f.localResources().count == 11)
        #expect(try sql("SELECT count(*) FROM resources WHERE provider_id IS NULL") == "0")
    }
}
