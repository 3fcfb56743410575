import Foundation
import GRDB
@testable import HubCore
@testable import HubPostgres
import HubTestSupport
import Synchronization
import Testing

/// ``StoreDB`` on PostgreSQL through ``PostgresBackend``, against a real server: every kind of value
/// there and back, records, errors and rollbacks, and the write lock across two nodes.
@Suite(.serialized) struct PostgresBackendTests {
    /// A server with one database holding the current hub schema.
    struct Database {
        let server: PostgresServer
        let location: PostgresLocation

        init(name: String = "hub", schema: Bool = true) async throws {
            server = try PostgresServer.start()
            try server.createDatabase(name)
            location = try PostgresLocation(parsing: server.url(database: name, withPassword: true), environment: [:])
            if schema { _ = try await PostgresStore.open(location) { try await $0.prepareSchema() } }
        }

        /// A node's store (its own backend, pool and threads), and how to stop it.
        func node(threads: Int = 16, leaseTimeout: Duration = .seconds(10)) async throws -> (HubStore, PostgresBackend) {
            let backend = try await PostgresBackend.start(location, threads: threads, leaseTimeout: leaseTimeout)
            return (HubStore(directory: DataDirectory(path: "/nonexistent/node"), backend: backend), backend)
        }
    }

    /// Whole milliseconds, exactly representable: a date survives the text round trip unchanged.
    static let when = Date(timeIntervalSince1970: 1_780_000_000.125)

    static func rate(_ count: Int, _ duration: Duration) -> Int {
        Int(Double(count) / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18))
    }

    @Test func placeholdersAreNumberedOutsideLiteralsIdentifiersAndComments() {
        let (sql, count) = PostgresStatement.numbered("""
            SELECT '?', 'it''s ?', "odd?name", ? -- a ? here
            , ? /* and ? there */ FROM t WHERE a = ?
            """)
        #expect(count == 3)
        #expect(sql == """
            SELECT '?', 'it''s ?', "odd?name", $1 -- a ? here
            , $2 /* and ? there */ FROM t WHERE a = $3
            """)
        #expect([3.0, -0.0, 0.1, 1e-7, 1e20, .infinity, -.infinity, .nan].map(\.postgresText)
                == ["3", "0", "0.1", "1e-07", "1e+20", "Infinity", "-Infinity", "NaN"])
        #expect(UTCText.timestamp(microsecondsSince2000: 0) == "2000-01-01 00:00:00.000")
        #expect(UTCText.timestamp(microsecondsSince2000: -1) == "1999-12-31 23:59:59.999")
        #expect(UTCText.timestamp(microsecondsSince2000: 835_315_200_123_999) == "2026-06-21 00:00:00.123")
    }

    @Test func everyKindOfValueRoundTripsThroughRecords() async throws {
        let database = try await Database()
        defer { database.server.stop() }
        let (store, backend) = try await database.node(threads: 2)
        defer { Task { await backend.shutdown() } }

        let (provider, credential, user) = try await store.write { db in
            var provider = Provider(id: nil, name: "Open", kind: .openAICompatible, displayName: "Open AI", baseURL: "https://api.example",
                                    enabled: true, createdAt: Self.when)
            try provider.insert(db)
            var credential = StoredCredential(id: nil, providerId: provider.id!, name: "main", sealedSecret: Data([0, 1, 0x7f, 0x80, 0xff]),
                                              secretHint: "sk-…1234", weight: 3, enabled: false, lastError: nil, lastUsedAt: nil,
                                              createdAt: Self.when)
            try credential.insert(db)
            var user = User(id: nil, name: "王小明", email: nil, status: .active, balance: Amount(nanos: 9_007_199_254_740_993), createdAt: Self.when)
            try user.insert(db)
            return (provider, credential, user)
        }
        #expect(provider.id != nil && credential.id != nil && user.id != nil)

        try await store.read { db throws -> Void in
            #expect(try Provider.fetchOne(db, key: provider.id!) == provider)
            #expect(try StoredCredential.fetchOne(db, key: credential.id!) == credential)
            #expect(try User.fetchOne(db, key: user.id!) == user)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM users") == 1)
            // sum(bigint) is NUMERIC on PostgreSQL: read back as an integer.
            #expect(try Int64.fetchOne(db, sql: "SELECT sum(balance) FROM users") == 9_007_199_254_740_993)
            #expect(try Double.fetchOne(db, sql: "SELECT avg(weight) FROM credentials") == 3)
            #expect(try Int.fetchOne(db, sql: "SELECT sum(balance) FROM users WHERE id < 0") == nil)
            // Each kind as a parameter, its type inferred from where it stands.
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM providers WHERE enabled = ? AND created_at = ?", arguments: [true, Self.when]) == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM credentials WHERE sealed_secret = ? AND last_used_at IS NULL",
                                     arguments: [Data([0, 1, 0x7f, 0x80, 0xff])]) == 1)
            #expect(try Double.fetchOne(db, sql: "SELECT CAST(? AS DOUBLE PRECISION) * 2", arguments: [0.25]) == 0.5)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM credentials WHERE weight = ?", arguments: [3.0]) == 1)
            #expect(try String.fetchOne(db, sql: "SELECT name FROM users WHERE lower(name) = lower(?) LIMIT ?", arguments: ["王小明", 1]) == "王小明")
            #expect(try Date.fetchOne(db, sql: "SELECT created_at FROM users") == Self.when)
            #expect(try Bool.fetchOne(db, sql: "SELECT enabled FROM credentials") == false)
            // Sessions run in UTC: a zoneless time bound as text is UTC, whatever the server's default.
            #expect(try String.fetchOne(db, sql: "SELECT current_setting('TimeZone')") == "UTC")
            // Where the server cannot infer a type, the SQL says it.
            #expect(try Bool.fetchOne(db, sql: "SELECT CAST(? AS BIGINT) IS NULL", arguments: [nil as Int64?]) == true)
        }

        // Every result type the schema and its functions give, as a SQLite hub would hold it.
        let row: [String: DatabaseValue] = try await store.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT 1::int2 AS small, 2::int4 AS int, 1.5::float4 AS real, 2.5::numeric AS fraction, 12345678901234567890::numeric AS huge,
                       '2026-01-02'::date AS day, '{"a": 1}'::jsonb AS json, 'x'::varchar AS name, 'y'::char(2) AS padded,
                       'z' AS literal, NULL::bigint AS nothing, pg_advisory_xact_lock(1) AS void, TRUE AS yes
                """)!
            return Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, row[$0] as DatabaseValue) })
        }
        let expected: [String: DatabaseValue] = [
            "small": 1.databaseValue, "int": 2.databaseValue, "real": 1.5.databaseValue, "fraction": 2.5.databaseValue,
            "huge": 12_345_678_901_234_567_890.0.databaseValue, "day": "2026-01-02".databaseValue,
            "json": #"{"a": 1}"#.databaseValue, "name": "x".databaseValue, "padded": "y ".databaseValue,
            "literal": "z".databaseValue, "nothing": .null, "void": .null, "yes": 1.databaseValue,
        ]
        #expect(row == expected)
        let unread = await #expect(throws: HubError.self) { try await store.read { db in try db.values(sql: "SELECT '1 day'::interval AS span") } }
        #expect(unread?.code == .internal && unread?.message.contains("column span has PostgreSQL type") == true, "\(String(describing: unread))")

        // update, deleteOne
        var richer = user
        richer.balance = Amount(nanos: -5)
        richer.email = "xm@example.com"
        try await store.write { [richer] db in try richer.update(db) }
        #expect(try await store.read { db in try User.fetchOne(db, key: user.id!) } == richer)
        #expect(try await store.write { db in try StoredCredential.deleteOne(db, key: credential.id!) })
        #expect(try await store.write { db in try StoredCredential.deleteOne(db, key: credential.id!) } == false)
        let gone = await #expect(throws: HubError.self) {
            try await store.write { [credential] db in try credential.update(db) }
        }
        #expect(gone?.code == .notFound)
    }

    @Test func errorsMapToHubErrorsAndRollBack() async throws {
        let database = try await Database()
        defer { database.server.stop() }
        let (store, backend) = try await database.node(threads: 2)
        defer { Task { await backend.shutdown() } }
        try await store.write { db in
            var provider = Provider(id: nil, name: "Dup", kind: .anthropic, displayName: "d", baseURL: "https://a", enabled: true, createdAt: Self.when)
            try provider.insert(db)
        }

        // A unique violation (here the case-insensitive name index).
        let duplicate = await #expect(throws: HubError.self) {
            try await store.write { db in
                var again = Provider(id: nil, name: "dup", kind: .anthropic, displayName: "d", baseURL: "https://a", enabled: true, createdAt: Self.when)
                try again.insert(db)
            }
        }
        #expect(duplicate?.code == .alreadyExists)
        #expect(duplicate?.message.hasPrefix("conflicts with an existing record: duplicate key value") == true, "\(String(describing: duplicate))")

        // A CHECK: invalid argument, with the server's words.
        let check = await #expect(throws: HubError.self) {
            try await store.write { db in
                try db.execute(sql: "INSERT INTO settings (id, updated_at) VALUES (?, ?)", arguments: [2, Self.when])
            }
        }
        #expect(check?.code == .invalidArgument && check?.message.contains("settings_id_check") == true, "\(String(describing: check))")

        // The body's own HubError passes through unchanged, and what it wrote is rolled back.
        let own = await #expect(throws: HubError.self) {
            try await store.write { db in
                var ghost = User(id: nil, name: "ghost", email: nil, status: .active, balance: .zero, createdAt: Self.when)
                try ghost.insert(db)
                throw HubError(.insufficientBalance, "not enough credits")
            }
        }
        #expect(own == HubError(.insufficientBalance, "not enough credits"))
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") } == 0)

        // A failed statement the body catches still aborts the transaction: the commit says so.
        let swallowed = await #expect(throws: HubError.self) {
            try await store.write { db in
                var ghost = User(id: nil, name: "ghost", email: nil, status: .active, balance: .zero, createdAt: Self.when)
                try ghost.insert(db)
                _ = try? db.execute(sql: "SELECT * FROM no_such_table")
            }
        }
        #expect(swallowed?.code == .storage && swallowed?.message.contains("rolled back") == true)
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") } == 0)

        // Reads are read-only; a syntax error is storage with its SQLSTATE.
        let readOnly = await #expect(throws: HubError.self) {
            try await store.read { db in try db.execute(sql: "DELETE FROM users") }
        }
        #expect(readOnly?.code == .storage && readOnly?.message.contains("25006") == true)
        let syntax = await #expect(throws: HubError.self) { try await store.read { db in try db.execute(sql: "SELEC 1") } }
        #expect(syntax?.code == .storage && syntax?.message.contains("42601") == true)

        // A stopped backend is unavailable, naming the location without its password.
        await backend.shutdown()
        let stopped = await #expect(throws: HubError.self) { try await store.read { db in try Int.fetchOne(db, sql: "SELECT 1") } }
        #expect(stopped?.code == .unavailable && stopped?.message.contains(database.server.password) == false)
    }

    /// Statements sent without waiting run in order before the next one that waits; a queued
    /// statement's failure is thrown with its own words by the next wait or the commit, and the
    /// whole transaction is rolled back.
    @Test func queuedStatementsRunInOrderAndTheirFailuresAreThrownLater() async throws {
        let database = try await Database()
        defer { database.server.stop() }
        let (store, backend) = try await database.node(threads: 2)
        defer { Task { await backend.shutdown() } }
        let user = try await store.write { db in
            var user = User(id: nil, name: "queued", email: nil, status: .active, balance: .zero, createdAt: Self.when)
            try user.insert(db)
            return user.id!
        }

        let seen = try await store.write { db in
            for step in 1...5 {
                try db.executeQueued(sql: "UPDATE users SET balance = balance * 10 + ? WHERE id = ?", arguments: [step, user])
            }
            return try Int64.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ?", arguments: [user])
        }
        #expect(seen == 12_345, "the five updates ran in the order they were queued, before the read")

        // A failing queued statement, then good ones: the read after them throws the failure (a
        // CHECK, named), and nothing of the transaction stays.
        let atRead = await #expect(throws: HubError.self) {
            try await store.write { db in
                try db.executeQueued(sql: "UPDATE users SET balance = 1 WHERE id = ?", arguments: [user])
                try db.executeQueued(sql: "INSERT INTO settings (id, updated_at) VALUES (?, ?)", arguments: [2, Self.when])
                try db.executeQueued(sql: "UPDATE users SET balance = 2 WHERE id = ?", arguments: [user])
                _ = try Int.fetchOne(db, sql: "SELECT 1")
            }
        }
        #expect(atRead?.code == .invalidArgument && atRead?.message.contains("settings_id_check") == true, "\(String(describing: atRead))")

        // The last statement of a body queued and failing: the commit throws it, not a generic rollback.
        let atCommit = await #expect(throws: HubError.self) {
            try await store.write { db in
                try db.executeQueued(sql: "UPDATE users SET balance = 3 WHERE id = ?", arguments: [user])
                try db.executeQueued(sql: "INSERT INTO settings (id, updated_at) VALUES (?, ?)", arguments: [3, Self.when])
            }
        }
        #expect(atCommit?.code == .invalidArgument && atCommit?.message.contains("settings_id_check") == true, "\(String(describing: atCommit))")

        // A statement postgres-nio refuses without sending it (more parameters than the protocol
        // carries) leaves the server's transaction intact: COMMIT must not be sent behind it.
        let parameters = Int(UInt16.max) + 1
        let refused = await #expect(throws: HubError.self) {
            try await store.write { db in
                try db.executeQueued(sql: "UPDATE users SET balance = 4 WHERE id = ?", arguments: [user])
                try db.executeQueued(sql: "SELECT 1 WHERE 1 IN (\(SQLList.of(parameters)))",
                                     arguments: StoreArguments(Array(repeating: 1, count: parameters)))
            }
        }
        #expect(refused?.message.contains("tooManyParameters") == true, "\(String(describing: refused))")
        #expect(try await store.read { db in try Int64.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ?", arguments: [user]) } == 12_345)

        // The connection is clean for the next transaction.
        #expect(try await store.write { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") } == 1)
    }

    @Test func aServerThatGoesAwayIsUnavailableNamingTheLocation() async throws {
        let database = try await Database()
        let (store, backend) = try await database.node(threads: 2, leaseTimeout: .seconds(2))
        defer { Task { await backend.shutdown() } }
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT 1") } == 1)
        database.server.stop()
        let started = ContinuousClock.now
        let gone = await #expect(throws: HubError.self) { try await store.read { db in try Int.fetchOne(db, sql: "SELECT 1") } }
        #expect(gone?.code == .unavailable, "\(String(describing: gone))")
        #expect(gone?.message.contains("127.0.0.1:\(database.server.port)") == true && gone?.message.contains(database.server.password) == false)
        #expect(ContinuousClock.now - started < .seconds(5))
        print("PostgresBackend: with the server gone, a read failed after \(ContinuousClock.now - started): \(gone?.message ?? "")")
    }

    /// The server dies while a transaction waits for an answer. The statement fails, and so does the
    /// `ROLLBACK` after it: written to a connection that has already closed, postgres-nio never
    /// answers it, and waiting for that answer held the transaction's thread (and so the usage writer,
    /// and the backend's shutdown) for ever. Now the transaction fails as unavailable and its thread is
    /// free again; the backend shuts down.
    @Test func aServerThatDiesMidTransactionFailsItAndFreesTheThread() async throws {
        let database = try await Database()
        let (store, backend) = try await database.node(threads: 2)
        let sent = Atomic<Bool>(false)
        let outcome = Mutex<HubError?>(nil)
        let finished = Atomic<Bool>(false)
        Task {
            do {
                try await store.write { db in
                    sent.store(true, ordering: .releasing)
                    _ = try db.values(sql: "SELECT pg_sleep(60)")
                }
            } catch let error as HubError {
                outcome.withLock { $0 = error }
            }
            finished.store(true, ordering: .releasing)
        }
        let running = try await eventually(within: .seconds(10)) {
            guard sent.load(ordering: .acquiring) else { return false }
            return try database.server.psql("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'",
                                            database: "postgres").split(whereSeparator: \.isWhitespace).contains("1")
        }
        #expect(running != nil, "the transaction's statement never ran on the server")
        database.server.stop()

        let ended = try await eventually(within: .seconds(20)) { finished.load(ordering: .acquiring) }
        #expect(ended != nil, "the transaction still waits 20 s after its server died")
        guard ended != nil else { return }   // its thread is stuck: shutting the backend down would hang the test
        let error = outcome.withLock { $0 }
        #expect(error?.code == .unavailable, "\(String(describing: error))")
        await backend.shutdown()   // returns: no thread of the pool is left waiting
    }

    @Test func aWriteWaitsForTheLockAtMostTheLockTimeout() async throws {
        let database = try await Database()
        defer { database.server.stop() }
        let (holder, holderBackend) = try await database.node(threads: 2)
        let impatient = try await PostgresBackend.start(database.location, threads: 2, writeLockTimeout: .milliseconds(500))
        defer { Task { await holderBackend.shutdown(); await impatient.shutdown() } }
        let holding = Task { try await holder.write { db in _ = try db.values(sql: "SELECT pg_sleep(3)") } }
        // Wait until the holder has the lock (a deadline loop, not a guess).
        let deadline = ContinuousClock.now + .seconds(5)
        while try await holder.read({ db in try Int.fetchOne(db, sql: "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") }) == 0 {
            try #require(ContinuousClock.now < deadline, "the holder never took the lock")
            try await Task.sleep(for: .milliseconds(10))
        }
        let started = ContinuousClock.now
        let refused = await #expect(throws: HubError.self) { try await impatient.write { db in try db.execute(sql: "SELECT 1") } }
        #expect(refused?.code == .unavailable && refused?.message.contains("55P03") == true, "\(String(describing: refused))")
        #expect(ContinuousClock.now - started < .seconds(2))
        try await holding.value
    }

    @Test func twoNodesWriteOneCounterExactly() async throws {
        let database = try await Database()
        defer { database.server.stop() }
        let (first, firstBackend) = try await database.node()
        let (second, secondBackend) = try await database.node()
        defer { Task { await firstBackend.shutdown(); await secondBackend.shutdown() } }
        let id = try await first.write { db in
            var counter = User(id: nil, name: "counter", email: nil, status: .active, balance: .zero, createdAt: Self.when)
            try counter.insert(db)
            return counter.id!
        }

        // Read, then write what was read plus one: without the lock, two writers would read the same value.
        @Sendable func increment(_ db: StoreDB) throws {
            let balance = try Int64.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ?", arguments: [id])!
            try db.execute(sql: "UPDATE users SET balance = ? WHERE id = ?", arguments: [balance + 1, id])
        }
        let writes = 50
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in [first, second] {
                for _ in 0..<writes { group.addTask { try await store.write(increment) } }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        let balance = { try await second.read { db in try Int64.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ?", arguments: [id]) } }
        #expect(try await balance() == Int64(2 * writes))
        print("PostgresBackend: \(2 * writes) serialised read-modify-write transactions from 2 nodes in \(elapsed)")

        // The control: the same transactions without the lock (a plain BEGIN, with a pause between
        // the read and the write to let them overlap) lose updates, so the count above is the lock's doing.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for backend in [firstBackend, secondBackend] {
                for _ in 0..<writes {
                    group.addTask {
                        try await backend.transaction(begin: ["BEGIN"]) { db in
                            let balance = try Int64.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ?", arguments: [id])!
                            _ = try db.values(sql: "SELECT pg_sleep(0.01)")
                            try db.execute(sql: "UPDATE users SET balance = ? WHERE id = ?", arguments: [balance + 1, id])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let unlocked = try await balance()! - Int64(2 * writes)
        #expect(unlocked < Int64(2 * writes), "without the lock, \(unlocked) of \(2 * writes) increments survived: the test cannot tell")
        print("PostgresBackend: without the lock, \(unlocked) of \(2 * writes) increments survived")

        // One session's statement rate: a read transaction of many small statements, against the
        // same statements sent with postgres-nio's async API on a pooled connection (no thread hop).
        let statements = 2_000
        var measured = ContinuousClock.now
        try await first.read { db in
            for index in 0..<statements { _ = try Int.fetchOne(db, sql: "SELECT balance FROM users WHERE id = ? AND ? >= 0", arguments: [id, index]) }
        }
        let throughSession = ContinuousClock.now - measured
        measured = ContinuousClock.now
        try await firstBackend.client.withConnection { connection in
            for index in 0..<statements {
                try await connection.query("SELECT balance FROM users WHERE id = \(id) AND \(index) >= 0", logger: PostgresStore.quiet)
            }
        }
        let direct = ContinuousClock.now - measured
        measured = ContinuousClock.now
        try await firstBackend.client.withConnection { connection in
            let answers = (0..<statements).map { index in
                connection.query("SELECT balance FROM users WHERE id = \(id) AND \(index) >= 0", logger: PostgresStore.quiet)
            }
            for answer in answers { _ = try await answer.get() }
        }
        let queued = ContinuousClock.now - measured
        print("PostgresSession: \(statements) statements in \(throughSession) (\(Self.rate(statements, throughSession))/s); "
              + "postgres-nio async directly: \(direct) (\(Self.rate(statements, direct))/s); "
              + "sent without waiting: \(queued) (\(Self.rate(statements, queued))/s)")
    }
}
