import HubConsole
import HubCore

/// A plain-text table for terminal output, aligned by display width so that CJK names line up.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []
    /// Columns aligned to the right (numbers and money).
    var rightAligned: Set<Int> = []

    init(_ headers: String..., rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    /// Adds a row; each cell passes through ``SafeText/escape(_:keepNewlines:)`` (before it is
    /// measured, so that escaped cells stay aligned).
    mutating func add(_ cells: String...) { rows.append(cells.map { SafeText.escape($0) }) }

    var rendered: String {
        guard !rows.isEmpty else { return "(none)" }
        let all = [headers] + rows
        let widths = headers.indices.map { column in all.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                let cell = row[column]
                let pad = String(repeating: " ", count: widths[column] - DisplayWidth.of(cell))
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n")
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// Formats shared by the renderers.
enum Show {
    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
    }

    static func flag(_ on: Bool, yes: String = "yes", no: String = "no") -> String { on ? yes : no }
}

import Foundation
