import Yams

/// Reads a theme file: `name`, a `palette` of named colours, and `roles` mapping each role to
/// `fg`, `bg` (a palette name or a colour) and `bold`/`dim`/`reverse`/`underline`. Roles and fields
/// a file leaves out keep their value from the theme it is laid over. Every mistake is reported
/// with the file and line.
enum ThemeParser {
    static func parse(_ text: String, file: String, over base: Theme) throws(ConsoleError) -> Theme {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw ConsoleError("\(file): the theme is empty") }
            root = node
        } catch let error as ConsoleError {
            throw error
        } catch {
            throw ConsoleError("\(file): not valid YAML: \(error)")
        }
        var theme = base
        let top = try mapping(root, file: file, what: "a theme")
        var palette: [String: TermColor] = [:]
        if let paletteNode = top.first(where: { $0.key.string == "palette" })?.value {
            for (key, value) in try mapping(paletteNode, file: file, what: "the palette") {
                palette[try scalar(key, file: file)] = try color(value, palette: [:], file: file)
            }
        }
        for (key, value) in top {
            switch try scalar(key, file: file) {
            case "name": theme.name = try scalar(value, file: file)
            case "palette": break
            case "roles":
                for (roleKey, roleValue) in try mapping(value, file: file, what: "roles") {
                    let roleName = try scalar(roleKey, file: file)
                    guard let role = Role(rawValue: roleName) else {
                        throw ConsoleError("\(where_(roleKey, file)): unknown role '\(roleName)' (roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    theme.styles[role] = try style(roleValue, over: base[role], palette: palette, file: file)
                }
            case let other:
                throw ConsoleError("\(where_(key, file)): unknown key '\(other)' (use name, palette, roles)")
            }
        }
        return theme
    }

    private static func style(_ node: Node, over base: Style, palette: [String: TermColor], file: String) throws(ConsoleError) -> Style {
        var style = base
        for (key, value) in try mapping(node, file: file, what: "a role") {
            switch try scalar(key, file: file) {
            case "fg": style.foreground = try color(value, palette: palette, file: file)
            case "bg": style.background = try color(value, palette: palette, file: file)
            case "bold": style.bold = try flag(value, file: file)
            case "dim": style.dim = try flag(value, file: file)
            case "reverse": style.reverse = try flag(value, file: file)
            case "underline": style.underline = try flag(value, file: file)
            case let other:
                throw ConsoleError("\(where_(key, file)): unknown key '\(other)' (use fg, bg, bold, dim, reverse, underline)")
            }
        }
        return style
    }

    static let ansiNames = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright-black", "bright-red", "bright-green", "bright-yellow", "bright-blue", "bright-magenta",
        "bright-cyan", "bright-white",
    ]

    /// `default`, an ANSI name, `0`-`255`, `#rrggbb`, or a palette name.
    static func parseColor(_ text: String, palette: [String: TermColor]) -> TermColor? {
        let lower = text.lowercased()
        if let named = palette[text] { return named }
        if lower == "default" { return .terminalDefault }
        if let index = ansiNames.firstIndex(of: lower.replacingOccurrences(of: "grey", with: "bright-black")
            .replacingOccurrences(of: "gray", with: "bright-black")) { return .indexed(index) }
        if let n = Int(lower), (0...255).contains(n) { return .indexed(n) }
        if lower.hasPrefix("#"), lower.count == 7, let value = UInt32(lower.dropFirst(), radix: 16) {
            return .rgb(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
        }
        return nil
    }

    private static func color(_ node: Node, palette: [String: TermColor], file: String) throws(ConsoleError) -> TermColor {
        let text = try scalar(node, file: file)
        guard let color = parseColor(text, palette: palette) else {
            throw ConsoleError("\(where_(node, file)): bad colour '\(text)' (use default, an ANSI name such as bright-cyan, 0-255, #rrggbb, or a palette name)")
        }
        return color
    }

    private static func flag(_ node: Node, file: String) throws(ConsoleError) -> Bool {
        switch try scalar(node, file: file).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw ConsoleError("\(where_(node, file)): '\(other)' is not true or false")
        }
    }

    private static func mapping(_ node: Node, file: String, what: String) throws(ConsoleError) -> [(key: Node, value: Node)] {
        guard let mapping = node.mapping else { throw ConsoleError("\(where_(node, file)): \(what) must be a mapping") }
        return mapping.map { ($0.key, $0.value) }
    }

    private static func scalar(_ node: Node, file: String) throws(ConsoleError) -> String {
        guard let text = node.scalar?.string else { throw ConsoleError("\(where_(node, file)): expected a single value") }
        return text
    }

    /// `file:line` of a node (lines count from 1).
    private static func where_(_ node: Node, _ file: String) -> String {
        node.mark.map { "\(file):\($0.line)" } ?? file
    }
}
