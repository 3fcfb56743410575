import Foundation
import HubCore
import Testing

/// Figures, printed (not asserted): what a call costs through each endpoint.
@Suite("Admin socket figures")
struct BenchmarkTests {
    @Test("sequential mode.get calls per endpoint (prints the mean latency)", arguments: Endpoint.allCases)
    func callLatency(_ endpoint: Endpoint) async throws {
        let calls = 500
        try await withConnection(endpoint) { connection, _ in
            let started = ContinuousClock.now
            for _ in 0..<calls { _ = try await connection.call(Admin.ModeGet()) }
            let elapsed = ContinuousClock.now - started
            let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
            print("figure: \(endpoint) \(calls) × mode.get in \(elapsed): \(Int(micros / Double(calls))) µs per call")
        }
    }
}
