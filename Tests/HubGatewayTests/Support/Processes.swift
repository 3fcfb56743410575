import Foundation
import HubTestSupport
import Testing

/// Runs `aigne-hub` to completion and returns its standard output; throws on a non-zero exit.
@discardableResult
func runHub(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> String {
    let outcome = try AigneHubBinary.run(arguments, stdin: stdin, environment: environment)
    guard outcome.status == 0 else {
        throw TestFailure("aigne-hub \(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.stderr)")
    }
    return outcome.stdout
}

/// A long-running `aigne-hub` (serve or mock-upstream) whose address is read from its first line.
final class Spawned: @unchecked Sendable {
    // @unchecked: `process` and `log` are set once in init and only read afterwards; Process is thread-safe for
    // terminate/waitUntilExit.
    let process = Process()
    let url: String
    /// The first line it printed (`listening on ...`).
    let banner: String
    let logURL: URL
    /// Kept open and drained for the life of the process, so that it never writes into a closed pipe.
    private let output = Pipe()

    init(_ arguments: [String], logName: String) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(logName)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let out = output
        process.executableURL = URL(fileURLWithPath: try AigneHubBinary.path())
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: logURL)
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while !text.contains("\n") && Date() < deadline {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: "http://") else {
            process.terminate()
            throw TestFailure("\(arguments.first ?? "") did not start: \(text) \((try? String(contentsOf: logURL, encoding: .utf8)) ?? "")")
        }
        url = String(text[range.lowerBound...].prefix { !$0.isWhitespace })
        banner = String(text.prefix { $0 != "\n" })
        out.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
    }

    /// Sends SIGTERM (or SIGKILL) and waits for the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
