import Foundation
import Synchronization

/// A child process left running while a test talks to it: its output is collected as it comes,
/// a test waits for a line with a deadline (never a fixed sleep), and it is ended with a signal.
public final class BackgroundProcess: Sendable {
    public let process: Process
    private let stdoutText = Mutex("")
    private let stderrText = Mutex("")

    /// Starts `executable` with `arguments`. `standardInput`: a descriptor the child reads (or, as
    /// with a listening socket, uses) as its fd 0; by default /dev/null.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        removing: [String] = [], standardInput: Int32? = nil
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ChildProcess.environment(adding: environment, removing: removing)
        process.standardInput = standardInput.map { FileHandle(fileDescriptor: $0, closeOnDealloc: false) }
            ?? FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        self.process = process
        collect(out, error: false)
        collect(err, error: true)
        try process.run()
    }

    private func collect(_ pipe: Pipe, error: Bool) {
        pipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
            } else if error {
                stderrText.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
            } else {
                stdoutText.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
            }
        }
    }

    /// The `aigne-hub` binary with `arguments`, without the caller's hub settings.
    public static func aigneHub(_ arguments: [String], environment: [String: String] = [:]) throws -> BackgroundProcess {
        try BackgroundProcess(try AigneHubBinary.path(), arguments, environment: environment,
                              removing: ["AIGNE_HUB_HOME", "AIGNE_HUB_SECRET_KEY"])
    }

    public var stdout: String { stdoutText.withLock { $0 } }
    public var stderr: String { stderrText.withLock { $0 } }
    public var isRunning: Bool { process.isRunning }

    /// Waits until standard output or error contains `text`; throws, with what was printed, at
    /// the deadline or when the process ends first.
    public func waitFor(_ text: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(stdout.contains(text) || stderr.contains(text)) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw TestFailure("waited for '\(text)' in vain (\(process.isRunning ? "still running" : "exited")); stdout: \(stdout) stderr: \(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits up to `timeout` for the process to end by itself: its exit status, or nil if it still runs.
    public func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await drained()
        return process.terminationStatus
    }

    /// Sends `signal` and waits (up to 30 s) for the process to end; returns its status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        guard let status = try await waitForExit(timeout: .seconds(30)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestFailure("the process did not end within 30 s of signal \(signal)")
        }
        return status
    }

    /// Lets the output handlers take in what the process wrote before it ended.
    private func drained() async throws {
        for _ in 0..<50 {
            let pending = (process.standardOutput as? Pipe)?.fileHandleForReading.readabilityHandler != nil
                || (process.standardError as? Pipe)?.fileHandleForReading.readabilityHandler != nil
            guard pending else { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
