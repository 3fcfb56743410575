import ArgumentParser
import Foundation
import HubCore

/// How `aigne-hub` reports failure: one line on stderr (JSON with `--json`) and an exit code.
///
/// Exit codes: 0 success; 1 the hub refused (not found, insufficient balance, ...); 2 the hub or
/// its database could not be reached or opened; 64 the command line itself is wrong.
enum CommandFailure {
    /// With `--json` anywhere on the command line, errors come out as JSON too.
    static var jsonOutput: Bool { CommandLine.arguments.dropFirst().contains("--json") }

    static func exit(with error: any Error) -> Never {
        if let error = error as? HubError {
            report(code: error.code.rawValue, message: error.message)
            Foundation.exit(exitCode(for: error.code))
        }
        let code = AigneHub.exitCode(for: error)
        if code == .success || error is CleanExit {
            AigneHub.exit(withError: error)   // --help, --version
        }
        report(code: "usage", message: AigneHub.message(for: error))
        Foundation.exit(64)
    }

    static func exitCode(for code: HubError.Code) -> Int32 {
        switch code {
        case .storage, .unavailable, .secretKey: 2
        default: 1
        }
    }

    private static func report(code: String, message: String) {
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        let text = if jsonOutput {
            SafeText.json(String(decoding: (try? HubJSON.encoder().encode(["error": ["code": code, "message": oneLine]])) ?? Data(), as: UTF8.self))
        } else {
            "aigne-hub: \(SafeText.escape(oneLine))"
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
