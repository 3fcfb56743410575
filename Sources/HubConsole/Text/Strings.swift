import Foundation

/// The console's languages.
public enum Language: String, CaseIterable, Sendable {
    case english = "en"
    case traditionalChinese = "zh-TW"

    /// `--lang` if given, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`): zh_TW / zh_Hant pick
    /// Traditional Chinese; anything else English.
    public static func pick(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConsoleError) -> Language {
        if let explicit {
            guard let language = Language(rawValue: explicit) ?? (explicit.lowercased().hasPrefix("zh") ? .traditionalChinese : nil)
                    ?? (explicit.lowercased().hasPrefix("en") ? .english : nil) else {
                throw ConsoleError("unknown language '\(explicit)': use en or zh-TW")
            }
            return language
        }
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        let normalized = locale.replacingOccurrences(of: "-", with: "_").lowercased()
        return normalized.hasPrefix("zh_tw") || normalized.hasPrefix("zh_hant") ? .traditionalChinese : .english
    }
}

/// The one table of UI text: `strings(.phrase, arguments...)` fills `{1}`, `{2}`, ... in order.
public struct Strings: Sendable {
    public let language: Language
    private let table: [Phrase: String]

    public init(_ language: Language) {
        self.language = language
        table = language == .english ? Strings.english : Strings.traditionalChinese
    }

    public func callAsFunction(_ phrase: Phrase, _ arguments: String...) -> String {
        var text = table[phrase] ?? Strings.english[phrase] ?? phrase.rawValue
        for (index, argument) in arguments.enumerated() {
            text = text.replacingOccurrences(of: "{\(index + 1)}", with: argument)
        }
        return text
    }

    /// Phrases missing from `language`'s table (a test keeps this empty).
    public static func missing(in language: Language) -> [Phrase] {
        let table = language == .english ? english : traditionalChinese
        return Phrase.allCases.filter { table[$0] == nil }
    }
}
