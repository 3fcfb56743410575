import HubCore
import PostgresNIO

/// What ``PostgresStore/prepareSchema()`` did.
public struct SchemaOutcome: Sendable, Equatable {
    /// The migrations applied now, in order (empty: the schema was already current).
    public var applied: [String]
    /// Every migration the database has, after this run.
    public var current: [String]
}

extension PostgresStore {
    /// Creates the schema or brings it up to date, in one transaction under an advisory lock (two
    /// `init`s at once apply each migration once). Refuses, changing nothing, a database that holds
    /// tables aigne-hub did not create, or migrations this version does not know.
    public func prepareSchema() async throws -> SchemaOutcome {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('aigne-hub schema'))", logger: Self.quiet)
            let existing = try await Self.tables(connection)
            var applied: [String] = []
            if existing.contains(PostgresSchema.migrationsTable) {
                let columns = try await Self.columns(of: PostgresSchema.migrationsTable, connection)
                guard columns.map(\.name) == ["id", "applied_at"] else {
                    throw HubError(.failedPrecondition, "\(location) has a schema_migrations table that aigne-hub did not create (columns \(columns.map(\.name).joined(separator: ", "))): it belongs to another application; use an empty database")
                }
                for try await id in try await connection.query("SELECT id FROM schema_migrations ORDER BY applied_at, id", logger: Self.quiet).decode(String.self) {
                    applied.append(id)
                }
            }
            let known = PostgresSchema.migrations.map(\.id)
            let unknown = applied.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw HubError(.failedPrecondition, "\(location) was migrated by a newer aigne-hub (migrations this version does not know: \(unknown.joined(separator: ", "))): run that version")
            }
            let ours = Set(PostgresSchema.migrations.filter { applied.contains($0.id) }.flatMap(\.creates))
            let foreign = existing.subtracting(ours).subtracting([PostgresSchema.migrationsTable])
            guard foreign.isEmpty else {
                throw HubError(.failedPrecondition, "\(location) holds tables aigne-hub did not create (\(foreign.sorted().joined(separator: ", "))): it belongs to another application; use an empty database")
            }
            if !existing.contains(PostgresSchema.migrationsTable) {
                try await connection.query("""
                    CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())
                    """, logger: Self.quiet)
            }
            var now: [String] = []
            for migration in PostgresSchema.migrations where !applied.contains(migration.id) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.quiet)
                }
                try await connection.query("INSERT INTO schema_migrations (id) VALUES (\(migration.id))", logger: Self.quiet)
                now.append(migration.id)
            }
            return SchemaOutcome(applied: now, current: applied + now)
        }
    }

    /// The base tables of the connection's current schema.
    static func tables(_ connection: PostgresConnection) async throws -> Set<String> {
        var names: Set<String> = []
        let rows = try await connection.query("""
            SELECT table_name::text FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
            """, logger: quiet)
        for try await name in rows.decode(String.self) { names.insert(name) }
        return names
    }

    /// A table's columns in order, with their PostgreSQL types.
    static func columns(of table: String, _ connection: PostgresConnection) async throws -> [(name: String, type: String)] {
        var columns: [(String, String)] = []
        let rows = try await connection.query("""
            SELECT column_name::text, data_type::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = \(table) ORDER BY ordinal_position
            """, logger: quiet)
        for try await (name, type) in rows.decode((String, String).self) { columns.append((name, type)) }
        return columns
    }

    /// The column names of every table of the current schema (for checks and tests).
    package func columnsByTable() async throws -> [String: [String]] {
        try await withConnection { connection in
            var result: [String: [String]] = [:]
            for table in try await Self.tables(connection) {
                result[table] = try await Self.columns(of: table, connection).map(\.name)
            }
            return result
        }
    }
}
