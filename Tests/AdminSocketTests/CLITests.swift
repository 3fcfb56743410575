import Foundation
import HubAdmin
import HubCore
import Synchronization
import HubTestSupport
import Testing

@Suite("aigne-hub admin through the socket and the database")
struct CLITests {
    @Test("the same verb prints the same JSON through --socket and --db")
    func sameOutputBothWays() async throws {
        try await withServer { hub, server in
            let added = try AigneHubBinary.run(["admin", "users", "add", "zoë", "--email", "zoe@example.com", "--socket", server.path])
            #expect(added.status == 0, "\(added)")
            let viaSocket = try AigneHubBinary.run(["admin", "users", "list", "--json", "--socket", server.path])
            let viaDatabase = try AigneHubBinary.run(["admin", "users", "list", "--json", "--db", hub.directory.databaseURL.path])
            #expect(viaSocket.status == 0 && viaDatabase.status == 0)
            #expect(viaSocket.stdout == viaDatabase.stdout)
            #expect(viaSocket.stdout.contains("\"name\" : \"zoë\""))
            let audit = try AigneHubBinary.run(["admin", "audit", "list", "--json", "--data-dir", hub.directory.path])
            #expect(audit.stdout.contains("via socket"), "the default endpoint of a running hub is its socket")
            let refused = try AigneHubBinary.run(["admin", "users", "grant", "nobody", "5", "--reason", "x", "--socket", server.path])
            #expect(refused.status == 1)
            #expect(refused.stderr == "aigne-hub: unknown user 'nobody'\n")
        }
    }

    @Test("admin usage tail prints usage events as they happen", arguments: ["--socket", "--db"])
    func tail(_ option: String) async throws {
        let binary = try AigneHubBinary.path()
        try await withServer { hub, server in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            let target = option == "--socket" ? server.path : hub.directory.path
            process.arguments = ["admin", "usage", "tail", "--json", option, target]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            let received = Mutex(Data())
            output.fileHandleForReading.readabilityHandler = { handle in
                let chunk = handle.availableData
                received.withLock { $0.append(chunk) }
            }
            try process.run()
            defer {
                output.fileHandleForReading.readabilityHandler = nil
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
            }
            // Keep writing until the tail shows one: it may subscribe a little after it starts.
            var line: String?
            for _ in 0..<100 where line == nil {
                try hub.insertUsage(1, model: "tail-model")
                try await Task.sleep(for: .milliseconds(100))
                let text = received.withLock { String(decoding: $0, as: UTF8.self) }
                line = text.split(separator: "\n").first.map(String.init)
            }
            let first = try #require(line, "usage tail printed nothing")
            let message = try JSONValue.parse(Data(first.utf8))
            #expect(message["method"] == .string("usage.event"))
            #expect(message["params"]?["model"] == .string("tail-model"))
        }
    }
}
