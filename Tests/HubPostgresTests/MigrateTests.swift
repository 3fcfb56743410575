import Foundation
@testable import HubCore
@testable import HubPostgres
import HubTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `aigne-hub migrate --to postgres://…` with the real binary and a real PostgreSQL server.
@Suite(.serialized) struct MigrateTests {
    /// The tables' row counts in PostgreSQL, by psql.
    static func postgresCounts(_ server: PostgresServer, _ database: String, _ tables: some Sequence<String>) throws -> [String: Int64] {
        try Dictionary(uniqueKeysWithValues: tables.map { ($0, Int64(try server.psql("SELECT count(*) FROM \"\($0)\"", database: database))!) })
    }

    @Test func migrateCopiesADemoSizedHubAndVerifiesIt() async throws {
        let hub = try await DemoHub(users: 60, events: 20_000)
        let server = try PostgresServer.start()
        defer { server.stop() }
        try server.createDatabase("hub")
        let sourceCounts = try hub.rowCounts()

        let started = ContinuousClock.now
        let outcome = try AigneHubBinary.run(["migrate", "--to", server.url(database: "hub"), "--data-dir", hub.directory.path],
                                             environment: ["PGPASSWORD": server.password])
        let elapsed = ContinuousClock.now - started
        #expect(outcome.status == 0, "\(outcome)")
        let rows = sourceCounts.values.reduce(0, +)
        print("migrate: \(rows) rows (\(sourceCounts["usage_events"]!) usage events, \(sourceCounts["ledger"]!) ledger entries) in \(elapsed) (whole command)")
        #expect(!(outcome.stdout + outcome.stderr).contains(server.password))
        #expect(outcome.stdout.contains("usage_events") && outcome.stdout.contains("王小明") && !outcome.stdout.contains("DIFFERS"))

        // Checked again here, independently of the command's own verification.
        #expect(try Self.postgresCounts(server, "hub", sourceCounts.keys) == sourceCounts)
        #expect(try server.psql("""
            SELECT count(*) FROM users u
            WHERE u.balance <> COALESCE((SELECT sum(amount) FROM ledger l WHERE l.user_id = u.id), 0)
            """, database: "hub") == "0")
        #expect(try server.psql("SELECT string_agg(id || ':' || balance, ',' ORDER BY id) FROM users", database: "hub")
                == hub.lines("SELECT group_concat(id || ':' || balance, ',') FROM (SELECT id, balance FROM users ORDER BY id)"))
        // Times to the millisecond, money, names, rollups and sealed secrets, value for value.
        #expect(try server.psql("""
            SELECT string_agg(id || '|' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') || '|' || amount || '|' || idempotency_key, E'\\n' ORDER BY id) FROM ledger
            """, database: "hub") == hub.lines("SELECT id, created_at, amount, idempotency_key FROM ledger ORDER BY id"))
        #expect(try server.psql("""
            SELECT string_agg(concat_ws('|', day, user_id, provider_id, model, requests, errors, tokens_in, tokens_out, credits_charged, provider_cost), E'\\n'
                              ORDER BY day, user_id, provider_id, model) FROM usage_daily
            """, database: "hub") == hub.lines("""
            SELECT day, user_id, provider_id, model, requests, errors, tokens_in, tokens_out, credits_charged, provider_cost
            FROM usage_daily ORDER BY day, user_id, provider_id, model
            """))
        #expect(try server.psql("SELECT string_agg(encode(sealed_secret, 'hex'), ',' ORDER BY id) FROM credentials", database: "hub")
                == hub.lines("SELECT group_concat(hex, ',') FROM (SELECT lower(hex(sealed_secret)) AS hex FROM credentials ORDER BY id)"))
        #expect(try server.psql("SELECT name FROM users WHERE id = 1", database: "hub") == "王小明")
        #expect(try server.psql("SELECT team_id FROM api_keys WHERE user_id = 1", database: "hub") == "1")

        // Sequences continue past the copied ids.
        #expect(try server.psql("INSERT INTO users (name, created_at) VALUES ('newcomer', now()) RETURNING id", database: "hub")
                == "\(sourceCounts["users"]! + 1)")
        // The rollup triggers run on PostgreSQL as on SQLite.
        let day = "SELECT requests || '|' || credits_charged FROM usage_daily WHERE day = '2031-01-02' AND user_id = 1 AND provider_id = 1 AND model = 'gpt-4o'"
        try server.psql("""
            INSERT INTO usage_events (request_id, user_id, provider_id, model, credits_charged, status, usage_source, created_at, credential_id)
            VALUES ('pg-1', 1, 1, 'gpt-4o', 5, 200, 'upstream', '2031-01-02 23:59:59+00', 1),
                   ('pg-2', 1, 1, 'gpt-4o', 7, 503, 'upstream', '2031-01-02 23:30:00+00', 1)
            """, database: "hub")
        #expect(try server.psql(day, database: "hub") == "2|12")
        #expect(try server.psql("SELECT attempts || '|' || failures FROM usage_health_hourly WHERE hour = '2031-01-02 23' AND credential_id = 1", database: "hub") == "2|1")
        // The ledger stays append-only.
        #expect(throws: TestFailure.self) { try server.psql("UPDATE ledger SET amount = 0 WHERE id = 1", database: "hub") }
        #expect(throws: TestFailure.self) { try server.psql("DELETE FROM ledger WHERE id = 1", database: "hub") }

        // A second copy into the same database is refused.
        let again = try AigneHubBinary.run(["migrate", "--to", server.url(database: "hub"), "--data-dir", hub.directory.path],
                                           environment: ["PGPASSWORD": server.password])
        #expect(again.status == 1 && again.stderr.contains("is not empty (rows in "), "\(again)")
    }

    @Test func migrateRefusesATamperedTargetOrARunningHubAndChangesNothing() async throws {
        let hub = try await DemoHub(users: 5, events: 300)
        let server = try PostgresServer.start()
        defer { server.stop() }
        let tables = try hub.rowCounts().keys
        let environment = ["PGPASSWORD": server.password]
        func migrate(_ database: String) throws -> ProcessOutcome {
            try AigneHubBinary.run(["migrate", "--to", server.url(database: database), "--data-dir", hub.directory.path], environment: environment)
        }
        func prepared(_ database: String) throws {
            try server.createDatabase(database)
            let made = try AigneHubBinary.run(["init", "--database", server.url(database: database)], environment: environment)
            #expect(made.status == 0, "\(made)")
        }

        // A row already there: refused before anything is written.
        try prepared("occupied")
        try server.psql("INSERT INTO users (name, created_at) VALUES ('squatter', now())", database: "occupied")
        let occupied = try migrate("occupied")
        #expect(occupied.status == 1 && occupied.stderr.contains("is not empty (rows in users)"), "\(occupied)")
        // Empty: no row but those the migrations put there (retention's one row).
        let empty = Dictionary(uniqueKeysWithValues: tables.map { ($0, PostgresSchema.seeded.contains($0) ? Int64(1) : 0) })
        var expected = empty
        expected["users"] = 1
        #expect(try Self.postgresCounts(server, "occupied", tables) == expected)

        // A target that changes what it is given: the verification sees it, and everything rolls back.
        try prepared("skewed")
        try server.psql("""
            CREATE FUNCTION skew() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.user_id = 3 AND NEW.kind = 'grant' THEN NEW.amount := NEW.amount + 1; END IF; RETURN NEW; END $$;
            CREATE TRIGGER skew BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION skew();
            """, database: "skewed")
        let skewed = try migrate("skewed")
        #expect(skewed.status == 1 && skewed.stderr.contains("verification failed, nothing was copied: user 3 (user-2)"), "\(skewed)")
        #expect(try Self.postgresCounts(server, "skewed", tables) == empty)

        try prepared("lossy")
        try server.psql("""
            CREATE FUNCTION drop_some() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.id % 7 = 0 THEN RETURN NULL; END IF; RETURN NEW; END $$;
            CREATE TRIGGER drop_some BEFORE INSERT ON usage_events FOR EACH ROW EXECUTE FUNCTION drop_some();
            """, database: "lossy")
        let lossy = try migrate("lossy")
        #expect(lossy.status == 1 && lossy.stderr.contains("verification failed, nothing was copied: table usage_events has 300 rows in SQLite and 258 in PostgreSQL"), "\(lossy)")
        #expect(try Self.postgresCounts(server, "lossy", tables) == empty)

        // A hub running on the data directory (it holds hub.lock): refused.
        let lock = open(hub.directory.url.appendingPathComponent("hub.lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
        try prepared("while-running")
        let running = try migrate("while-running")
        close(lock)
        #expect(running.status == 1 && running.stderr.contains("another hub is running on this data directory"), "\(running)")
        #expect(try Self.postgresCounts(server, "while-running", tables) == empty)
    }
}
