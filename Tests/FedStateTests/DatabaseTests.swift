import Foundation
import Testing

@testable import FedState

@Suite struct DatabaseTests {
    @Test func errorsCarrySqliteMessageAndOperation() throws {
        try withTemporaryDirectory { dir in
            let db = try Database(path: dir.path("x.db"), mode: .readWriteCreate)
            let error = #expect(throws: DatabaseError.self) { try db.execute("SELEC 1") }
            #expect(error?.message.contains("syntax error") == true)
            #expect(error?.operation == "SELEC 1")
            #expect(error?.description.contains(dir.path("x.db")) == true)
        }
    }

    @Test func typedBindsAndColumnsRoundTrip() throws {
        try withTemporaryDirectory { dir in
            let db = try Database(path: dir.path("x.db"), mode: .readWriteCreate)
            try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
            try db.run("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)", [.int(-42), 2.5, "héllo", .blob([0, 1, 255]), nil])
            let row = try db.queryOne("SELECT i, r, s, b, n FROM t") {
                ($0.int(0), $0.double(1), $0.text(2), $0.blob(3), $0.optionalText(4))
            }
            #expect(row?.0 == -42)
            #expect(row?.1 == 2.5)
            #expect(row?.2 == "héllo")
            #expect(row?.3 == [0, 1, 255])
            #expect(row?.4 == nil)
            #expect(throws: DatabaseError.self) { try db.run("INSERT INTO t (i) VALUES (?1)", []) }
        }
    }

    @Test func transactionRollsBackWhenTheBodyThrows() throws {
        try withTemporaryDirectory { dir in
            let db = try Database(path: dir.path("x.db"), mode: .readWriteCreate)
            try db.execute("CREATE TABLE t (i INTEGER)")
            struct Stop: Error {}
            #expect(throws: Stop.self) {
                try db.transaction(.immediate) {
                    try db.run("INSERT INTO t VALUES (1)")
                    throw Stop()
                }
            }
            #expect(!db.inTransaction)
            #expect(try db.queryOne("SELECT count(*) FROM t") { $0.int(0) } == 0)
        }
    }

    @Test func readOnlyOpenOfAMissingFileFails() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: DatabaseError.self) { _ = try Database(path: dir.path("none.db"), mode: .readWrite) }
            #expect(!FileManager.default.fileExists(atPath: dir.path("none.db")))
        }
    }
}
