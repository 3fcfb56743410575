import Foundation
import HubTestSupport
import Testing

/// `serve` says "listening" only once every listener is bound, and an address in use ends it at
/// once with one line naming the cause.
@Suite struct ServeFailFastTests {
    @Test func aPortInUseEndsServeWithinFiveSeconds() async throws {
        let first = try HubFixture(hubArguments: ["--metrics-listen", "127.0.0.1:0"])
        #expect(first.hub.banner.contains("listening on http://") && first.hub.banner.contains("(metrics: http://"))
        let port = try #require(URLComponents(string: first.hub.url)?.port)
        let metricsPort = try #require(URLComponents(string: try first.metricsURL())?.port)

        for (arguments, taken) in [(["--port", "\(port)"], "127.0.0.1:\(port) for the API"),
                                   (["--port", "0", "--metrics-listen", "127.0.0.1:\(metricsPort)"],
                                    "127.0.0.1:\(metricsPort) for the metrics listener")] {
            let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dataDir) }
            try runHub(["init", "--data-dir", dataDir])
            let outcome = try runWithDeadline(["serve", "--data-dir", dataDir] + arguments, seconds: 5)
            #expect(outcome.status != 0 && outcome.status != -1, "\(outcome)")
            #expect(!outcome.stdout.contains("listening"), "\(outcome)")
            let lines = outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("aigne-hub:") }
            #expect(lines.count == 1 && lines[0].contains("cannot listen on \(taken): address already in use"), "\(outcome)")
        }
    }

    struct Outcome: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status), stdout: \(stdout), stderr: \(stderr)" }
    }

    /// Runs `aigne-hub` and kills it if it has not exited after `seconds` (status -1 then).
    private func runWithDeadline(_ arguments: [String], seconds: Double) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try AigneHubBinary.path())
        process.arguments = arguments
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: logs.path + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: logs.path + ".err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: logs.path + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logs.path + ".err"))
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        func read(_ suffix: String) -> String { (try? String(contentsOfFile: logs.path + suffix, encoding: .utf8)) ?? "" }
        return Outcome(status: timedOut ? -1 : process.terminationStatus, stdout: read(".out"), stderr: read(".err"))
    }
}
