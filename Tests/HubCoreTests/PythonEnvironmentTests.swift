import Foundation
import HubTestSupport
import Testing

/// The tests make their own Python environment; when PyPI cannot be reached they say so, clearly.
@Suite("The tests' Python environment")
struct PythonEnvironmentTests {
    @Test("the shared environment has the official openai client")
    func openaiInstalled() async throws {
        let python = try PythonEnvironment.interpreter()
        #expect(python.hasPrefix(PythonEnvironment.directory.path))
        let outcome = try ChildProcess.run(python, ["-c", "import openai; print(openai.__version__)"])
        #expect(outcome.status == 0, "\(outcome)")
    }

    @Test("an unreachable package index is a clear error naming PyPI")
    func unreachableIndex() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("venv-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let requirements = scratch.appendingPathComponent("requirements.txt")
        try "openai\n".write(to: requirements, atomically: true, encoding: .utf8)
        // Port 9 on loopback refuses at once; no cached wheels to fall back on.
        let unreachable = ["PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_FIND_LINKS": "", "PIP_RETRIES": "0",
                           "PIP_NO_CACHE_DIR": "1", "PIP_DEFAULT_TIMEOUT": "5"]
        do {
            _ = try PythonEnvironment.make(at: scratch.appendingPathComponent("venv"), from: requirements, environment: unreachable)
            Issue.record("installing from an unreachable index succeeded")
        } catch {
            let message = "\(error)"
            #expect(message.contains("cannot install the tests' Python packages"), "\(message)")
            #expect(message.contains("is PyPI reachable from this machine?"), "\(message)")
        }
    }
}
