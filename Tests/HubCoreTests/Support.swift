import Foundation
import GRDB
import HubTestSupport
@testable import HubCore

/// A new hub in a fresh temporary directory, removed when the value is released.
final class TemporaryHub: Sendable {
    let directory: DataDirectory
    let service: AdminService

    init(mode: DeploymentMode = .enterprise) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hub-test-\(UUID().uuidString)")
        directory = DataDirectory(url: url)
        let (store, sealer) = try HubStore.initialize(directory, mode: mode, environment: [:])
        service = AdminService(store: store, sealer: sealer)
    }

    deinit { try? FileManager.default.removeItem(at: directory.url) }

    var store: HubStore { service.store }

    @discardableResult
    func run<M: AdminMethod>(_ method: M, actor: String = "test") async throws -> M.Result {
        try await service.perform(method, actor: actor)
    }

    /// Every row of every table, as text: to prove that a failed operation changed nothing.
    func snapshot() throws -> [String] {
        try store.sqliteRead { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            return try tables.flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid").map { "\(table): \($0)" }
            }
        }
    }

    /// Checks the ledger invariant for every user: balance = sum of ledger amounts = last balance_after, never negative.
    func ledgerViolations() throws -> [String] {
        try store.sqliteRead { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT u.name, u.balance,
                       COALESCE((SELECT SUM(amount) FROM ledger WHERE user_id = u.id), 0) AS total,
                       (SELECT balance_after FROM ledger WHERE user_id = u.id ORDER BY id DESC LIMIT 1) AS last
                FROM users u
                """)
            return rows.compactMap { row -> String? in
                let balance: Int64 = row["balance"], total: Int64 = row["total"], last: Int64? = row["last"]
                if balance != total { return "\(row["name"] as String): balance \(balance) != ledger sum \(total)" }
                if let last, last != balance { return "\(row["name"] as String): last balance_after \(last) != balance \(balance)" }
                if balance < 0 { return "\(row["name"] as String): negative balance \(balance)" }
                return nil
            }
        }
    }
}

/// The built binary, run without the caller's hub settings, so that every test names its own hub.
enum Binary {
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> ProcessOutcome {
        try AigneHubBinary.run(arguments, stdin: stdin, environment: environment,
                               removing: ["AIGNE_HUB_HOME", SecretSealer.environmentVariable])
    }
}
