import Foundation
import GRDB
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
    func run<M: AdminMethod>(_ method: M, actor: String = "test") throws -> M.Result {
        try service.perform(method, actor: actor)
    }

    /// Every row of every table, as text: to prove that a failed operation changed nothing.
    func snapshot() throws -> [String] {
        try store.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            return try tables.flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid").map { "\(table): \($0)" }
            }
        }
    }

    /// Checks the ledger invariant for every user: balance = sum of ledger amounts = last balance_after, never negative.
    func ledgerViolations() throws -> [String] {
        try store.read { db in
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

/// The built `aigne-hub` binary, next to the test bundle in `.build/<config>/`.
enum Binary {
    static var url: URL {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("aigne-hub"),
                          Bundle.main.bundleURL.appendingPathComponent("aigne-hub"),
                          packageRoot.appendingPathComponent(".build/debug/aigne-hub")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// Runs `aigne-hub` with arguments and optional standard input, and waits for it.
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw HubError(.internal, "aigne-hub is not built at \(url.path): run `swift build` first")
        }
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "AIGNE_HUB_HOME")
        env.removeValue(forKey: SecretSealer.environmentVariable)
        process.environment = env.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A seeded generator (SplitMix64), so that a failing random test can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
