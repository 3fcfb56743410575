import Foundation
import HubAdmin
import HubCore

/// How to run the console.
public struct ConsoleOptions: Sendable {
    /// A theme name or a theme file; nil: `default` (or `mono` when `NO_COLOR` is set).
    public var theme: String?
    public var language: Language
    /// Hide and refuse every change.
    public var readOnly: Bool
    public var themes: ThemeLibrary
    /// Where to append timing lines (first frame, panes loaded); nil: nowhere. Never the terminal.
    public var logFile: String?

    public init(theme: String? = nil, language: Language = .english, readOnly: Bool = false,
                themes: ThemeLibrary = .standard(), logFile: String? = nil) {
        self.theme = theme
        self.language = language
        self.readOnly = readOnly
        self.themes = themes
        self.logFile = logFile
    }
}

/// The console's entry point: `try await ConsoleApp.run(on: connection, options: options)` takes
/// over the terminal, runs until the user quits (or SIGINT/SIGTERM), and restores the terminal.
public enum ConsoleApp {
    public static func run(on connection: any HubConnection, options: ConsoleOptions) async throws {
        let environment = ProcessInfo.processInfo.environment
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        let themeName = options.theme ?? (noColor ? "mono" : "default")
        let theme = try options.themes.load(themeName)  // a bad theme fails before the terminal is touched
        let mono = noColor ? ((try? options.themes.load("mono")) ?? theme) : nil
        let loop = try UILoop(
            bridge: HubBridge(connection: connection, readOnly: options.readOnly),
            state: ConsoleState(endpoint: connection.endpoint, readOnly: options.readOnly,
                                strings: Strings(options.language), themeName: theme.name),
            theme: mono ?? theme, themes: options.themes, forceMono: noColor, log: options.logFile.map(TimingLog.init),
            screenFile: environment["AIGNE_HUB_CONSOLE_SCREEN_FILE"].flatMap { $0.isEmpty ? nil : $0 })
        let mailbox = loop.mailbox
        let feed = Task {
            do {
                for try await notification in try await connection.subscribe(.console) {
                    mailbox.post(.notification(notification))
                }
            } catch {
                mailbox.post(.failed("live: \(error)"))
            }
        }
        defer { feed.cancel() }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                loop.run()
                done.resume()
            }
            thread.name = "aigne-hub console"
            thread.start()
        }
    }
}

/// Appends timing lines to a file (the console never writes to the terminal it draws on).
struct TimingLog: Sendable {
    let path: String
    let start = ContinuousClock.now

    init(_ path: String) { self.path = path }

    func record(_ what: String) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
        let line = what + String(format: " %.1f ms (wall clock %.3f)\n", ms, Date().timeIntervalSince1970)
        if let handle = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        }
    }
}
