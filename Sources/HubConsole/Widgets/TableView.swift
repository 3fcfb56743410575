import HubCore

/// A column of a ``TableView``: its title, its natural width, and whether it takes spare room.
struct TableColumn {
    var title: String
    var width: Int
    var flexible = false
    var alignRight = false
}

/// A row: one text per column, optionally a role per cell (money signs, states).
struct TableRow {
    var cells: [String]
    var roles: [Role?] = []
}

/// A scrolling table with a header row, padded and cut by display width, so CJK names keep the
/// columns aligned. The selected row is marked with `›` as well as styled (never colour alone).
enum TableView {
    static func draw(_ columns: [TableColumn], _ rows: [TableRow], selected: Int?, in rect: Rect,
                     on screen: inout ScreenModel, theme: Theme, emptyText: String, widths: [Int]? = nil) {
        guard rect.height > 0, rect.width > 2 else { return }
        let widths = widths ?? layout(columns, rows: rows, width: rect.width - 1)
        var x = rect.x + 1
        for (column, width) in zip(columns, widths) where width > 0 {
            screen.put(TextFit.pad(column.title, to: width, alignRight: column.alignRight), x: x, y: rect.y,
                       style: theme[.tableHeader], limit: width)
            x += width + 1
        }
        let visible = rect.height - 1
        guard !rows.isEmpty else {
            screen.put(emptyText, x: rect.x + 1, y: rect.y + 1, style: theme[.textDim], limit: rect.width - 1)
            return
        }
        let offset = selected.map { max(0, $0 - visible + 1) } ?? 0
        for (line, index) in (offset..<min(rows.count, offset + visible)).enumerated() {
            let y = rect.y + 1 + line
            let isSelected = index == selected
            var x = rect.x + 1
            for (cellIndex, column) in columns.enumerated() where widths[cellIndex] > 0 {
                let width = widths[cellIndex]
                let row = rows[index]
                let text = row.cells.indices.contains(cellIndex) ? row.cells[cellIndex] : ""
                let cellRole = row.roles.indices.contains(cellIndex) ? row.roles[cellIndex] : nil
                let style = isSelected ? theme[.rowSelected] : theme[cellRole ?? .text]
                screen.put(TextFit.pad(text, to: width, alignRight: column.alignRight), x: x, y: y, style: style, limit: width)
                if isSelected { screen.put(" ", x: x + width, y: y, style: style, limit: 1) }
                x += width + 1
            }
            if isSelected {
                screen.put("›", x: rect.x, y: y, style: theme[.rowSelected], limit: 1)
                if x < rect.maxX { screen.restyle(Rect(x: x, y: y, width: rect.maxX - x, height: 1)) { $0 = theme[.rowSelected] } }
            }
        }
    }

    /// Column widths that fit `width`: natural widths (title or widest cell, capped at the column's
    /// width for flexible ones), spare room to flexible columns, and shrinking flexible columns first.
    static func layout(_ columns: [TableColumn], rows: [TableRow], width: Int) -> [Int] {
        var widths = columns.enumerated().map { index, column in
            let content = rows.prefix(200).map { DisplayWidth.of($0.cells.indices.contains(index) ? $0.cells[index] : "") }.max() ?? 0
            let natural = max(DisplayWidth.of(column.title), content)
            return column.flexible ? min(natural, column.width) : max(column.width, min(natural, column.width))
        }
        let gaps = max(0, columns.count - 1)
        var spare = width - gaps - widths.reduce(0, +)
        let flexible = columns.indices.filter { columns[$0].flexible }
        if spare > 0, !flexible.isEmpty {
            for (order, index) in flexible.enumerated() {
                let share = spare / (flexible.count - order)
                widths[index] += share
                spare -= share
            }
        }
        for index in (flexible.reversed() + Array(columns.indices.reversed())) where spare < 0 {
            let floor = flexible.contains(index) ? min(widths[index], 6) : 0
            let cut = min(widths[index] - floor, -spare)
            widths[index] -= cut
            spare += cut
        }
        return widths
    }
}
