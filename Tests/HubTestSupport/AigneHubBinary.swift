import Foundation

/// The `aigne-hub` executable that `swift build` (or `swift test`) put next to the tests, and a
/// way to run it to completion. Shared by every test target that drives the real binary.
public enum AigneHubBinary {
    /// The package's root directory (for scripts under `Tests/`).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `$AIGNE_HUB_BIN`, else the binary beside the test bundle, else the package's `.build/debug`.
    public static func path() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["AIGNE_HUB_BIN"] { return explicit }
        let candidates = [Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("aigne-hub").path,
                          packageRoot.appendingPathComponent(".build/debug/aigne-hub").path]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestFailure("the aigne-hub binary is missing (looked in \(candidates)): run `swift build` first")
        }
        return found
    }

    /// Runs the binary with `arguments` and waits for it (as `uid`, through `setpriv`, when given).
    public static func run(
        _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        removing: [String] = [], asUid uid: UInt32? = nil
    ) throws -> ProcessOutcome {
        let binary = try path()
        let (executable, fullArguments) = uid.map {
            ("/usr/bin/setpriv", ["--reuid=\($0)", "--regid=\($0)", "--clear-groups", binary] + arguments)
        } ?? (binary, arguments)
        return try ChildProcess.run(executable, fullArguments, stdin: stdin, environment: environment, removing: removing)
    }
}

/// What one run of a child process printed and how it ended.
public struct ProcessOutcome: Sendable, CustomStringConvertible {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var description: String { "exit \(status), stdout: \(stdout), stderr: \(stderr)" }
}

/// Runs a program to completion.
public enum ChildProcess {
    /// - Parameters:
    ///   - stdin: written to its standard input, which is then closed (closed at once when nil).
    ///   - environment: added to this process's environment, after `removing` is taken out of it.
    public static func run(
        _ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        removing: [String] = []
    ) throws -> ProcessOutcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = Self.environment(adding: environment, removing: removing)
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
        return ProcessOutcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                              stderr: String(decoding: stderr, as: UTF8.self))
    }
}

extension ChildProcess {
    /// This process's environment without `removing`, with `adding` laid over it.
    static func environment(adding: [String: String], removing: [String]) -> [String: String] {
        var inherited = ProcessInfo.processInfo.environment
        for name in removing { inherited.removeValue(forKey: name) }
        return inherited.merging(adding) { $1 }
    }
}

/// A test's own failure, with a message for the person reading the test log.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
