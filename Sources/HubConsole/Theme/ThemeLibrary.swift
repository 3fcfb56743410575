import Foundation

/// Finds and loads themes: by file path, or by name from `$AIGNE_HUB_THEMES`, the user's
/// `$XDG_CONFIG_HOME/aigne-hub/themes` (default `~/.config/aigne-hub/themes`), and the `themes/`
/// directory shipped with the binary (found by walking up from the executable, so that a binary run
/// from `.build/debug` finds the package's `themes/`, and `share/aigne-hub/themes` beside `bin/`).
public struct ThemeLibrary: Sendable {
    public var directories: [URL]

    public init(directories: [URL]) { self.directories = directories }

    /// The standard search path for this process.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ThemeLibrary {
        var dirs: [URL] = []
        if let explicit = environment["AIGNE_HUB_THEMES"], !explicit.isEmpty {
            dirs += explicit.split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config")
        dirs.append(config.appendingPathComponent("aigne-hub/themes"))
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? ".")
        var dir = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            dirs.append(dir.appendingPathComponent("themes"))
            dirs.append(dir.appendingPathComponent("share/aigne-hub/themes"))
            dir.deleteLastPathComponent()
        }
        return ThemeLibrary(directories: dirs)
    }

    /// Names of every theme found, sorted, `default` included.
    public var names: [String] {
        var names: Set<String> = ["default"]
        for dir in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for file in files where file.hasSuffix(".yaml") { names.insert(String(file.dropLast(5))) }
        }
        return names.sorted()
    }

    /// Loads a theme by name or path, laid over the built-in default.
    public func load(_ reference: String) throws(ConsoleError) -> Theme {
        if reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") {
            return try load(file: URL(fileURLWithPath: reference))
        }
        for dir in directories {
            let file = dir.appendingPathComponent("\(reference).yaml")
            if FileManager.default.fileExists(atPath: file.path) { return try load(file: file) }
        }
        if reference == "default" { return .builtinDefault }
        throw ConsoleError("no theme named '\(reference)' (available: \(names.joined(separator: ", ")))")
    }

    public func load(file: URL) throws(ConsoleError) -> Theme {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ConsoleError("\(file.path): cannot read the theme file")
        }
        var theme = try ThemeParser.parse(String(decoding: data, as: UTF8.self), file: file.path, over: .builtinDefault)
        if theme.name == Theme.builtinDefault.name, file.deletingPathExtension().lastPathComponent != "default" {
            theme.name = file.deletingPathExtension().lastPathComponent
        }
        return theme
    }
}
