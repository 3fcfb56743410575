import Foundation
import GRDB
import HubCore
import HubTestSupport
import Testing

/// `aigne-hub admin usage export`: a large range streams in pages, so the CLI's memory stays the same
/// whatever the size of the range (over a running hub's socket, and over the database).
@Suite struct UsageExportTests {
    static let events = 50_000

    @Test func exportStreamsInConstantMemory() async throws {
        let fixture = try HubFixture()
        for name in ["u0", "u1", "u2"] { try fixture.admin(["users", "add", name]) }
        // 50,000 events over 20 days, each with a 420-character error: about 27 MB of CSV.
        try UsageSeed.insert(fixture.dataDir + "/hub.sqlite", count: Self.events,
                             errorText: String(repeating: "upstream said, \"no\"; ", count: 20), days: "i % 20")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let until = Date().addingTimeInterval(60)
        let small = try Self.export(fixture, since: "1d", until: until, format: "csv", to: directory.appendingPathComponent("small.csv"))
        let large = try Self.export(fixture, since: "30d", until: until, format: "csv", to: directory.appendingPathComponent("large.csv"))
        let jsonl = try Self.export(fixture, since: "30d", until: until, format: "jsonl", to: directory.appendingPathComponent("large.jsonl"),
                                    database: true)

        print("usage export: small \(small); large CSV \(large); large JSON lines \(jsonl)")
        #expect(small.lines > 1_000 && small.lines < 5_000, "\(small)")
        #expect(large.lines == Self.events + 1, "\(large)")   // the header and every event
        #expect(jsonl.lines == Self.events, "\(jsonl)")
        #expect(large.bytes > 24 << 20, "\(large)")
        // A CLI that held the range would grow by (at least) its size; one that streams stays put.
        #expect(large.peakKB - small.peakKB < 12 << 10, "peak RSS \(small.peakKB) kB for \(small.lines) lines, \(large.peakKB) kB for \(large.lines)")
        #expect(jsonl.peakKB - small.peakKB < 12 << 10, "peak RSS \(small.peakKB) kB for \(small.lines) lines, \(jsonl.peakKB) kB for \(jsonl.lines) JSON lines")

        // Oldest first, each event once.
        let ids = try String(contentsOf: directory.appendingPathComponent("large.csv"), encoding: .utf8)
            .split(separator: "\r\n").dropFirst().map { $0.prefix { $0 != "," } }
        #expect(Set(ids).count == Self.events)
    }

    struct Exported: CustomStringConvertible {
        var lines: Int
        var bytes: Int
        var peakKB: Int
        var description: String { "\(lines) lines, \(bytes) bytes, peak RSS \(peakKB) kB" }
    }

    /// Runs the export as its own process, sampling its peak resident memory (VmHWM) until it exits.
    static func export(_ fixture: HubFixture, since: String, until: Date, format: String, to file: URL,
                       database: Bool = false) throws -> Exported {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try AigneHubBinary.path())
        process.arguments = ["admin", "usage", "export", "--since", since, "--until", until.formatted(.iso8601),
                             "--format", format, "--output", file.path]
            + (database ? ["--db", fixture.dataDir] : ["--data-dir", fixture.dataDir])
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        var peak = 0
        while process.isRunning {
            if let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = Int(line.split(separator: " ").dropFirst().first ?? "") {
                peak = max(peak, kb)
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("export failed: \(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        }
        let data = try Data(contentsOf: file)
        return Exported(lines: data.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }, bytes: data.count, peakKB: peak)
    }
}
