/// The `:` command line: `:user NAME`, `:theme NAME`, `:lang en|zh-TW`, a pane name or number,
/// `:low` (users under the low-balance threshold), `:refresh`, `:quit`.
enum CommandParser {
    enum Command: Equatable {
        case pane(PaneID)
        case user(String)
        case theme(String)
        case language(Language)
        case lowBalance
        case refresh
        case chargeback(String?)
        case quit
        case unknown(String)
    }

    static let verbs = ["user", "theme", "lang", "mode", "providers", "users", "pricing", "live", "low", "refresh", "quit",
                        "billing", "revenue", "teams", "chargeback"]

    static func parse(_ text: String) -> Command {
        let words = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard let verb = words.first?.lowercased() else { return .unknown(text) }
        let argument = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : ""
        if let digit = Int(verb), let pane = PaneID(rawValue: digit) { return .pane(pane) }
        switch verb {
        case "q", "quit", "q!", "exit": return .quit
        case "mode": return .pane(.mode)
        case "providers", "provider": return .pane(.providers)
        case "users": return argument.isEmpty ? .pane(.users) : .user(argument)
        case "pricing", "rates": return .pane(.pricing)
        case "live", "usage": return .pane(.live)
        case "billing", "payments": return .pane(.billing)
        case "revenue": return .pane(.revenue)
        case "refresh": return .refresh
        case "low": return .lowBalance
        case "teams", "team": return .pane(.teams)
        case "chargeback": return .chargeback(argument.isEmpty ? nil : argument)
        case "user": return argument.isEmpty ? .pane(.users) : .user(argument)
        case "theme": return argument.isEmpty ? .unknown(text) : .theme(argument)
        case "lang", "language":
            return Language(rawValue: argument).map(Command.language) ?? .unknown(text)
        default: return .unknown(text)
        }
    }

    /// Completes the verb being typed when exactly one verb starts with it.
    static func complete(_ text: String) -> String {
        guard !text.contains(" ") else { return text }
        let matches = verbs.filter { $0.hasPrefix(text.lowercased()) }
        return matches.count == 1 ? matches[0] + " " : text
    }
}
