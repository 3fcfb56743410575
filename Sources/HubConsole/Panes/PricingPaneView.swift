import HubCore

/// Pane 4: current rates with provider cost, credit rate and margin; models used without a rate flagged.
enum PricingPaneView {
    static func draw(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        let rows = state.visiblePricingRows.map { row -> TableRow in
            switch row {
            case .rate(let info):
                let margin = info.marginPercent.map { $0 + "%" } ?? "–"
                return TableRow(cells: [info.model, info.rate.type.rawValue,
                                        "\(info.rate.inputCost) / \(info.rate.outputCost)",
                                        "\(info.rate.inputRate) / \(info.rate.outputRate)", margin],
                                roles: [nil, nil, nil, nil, margin.hasPrefix("-") ? .moneyNegative : .moneyPositive])
            case .unpriced(let model):
                return TableRow(cells: [model, "", "", t(.noRate), ""], roles: [.statusWarn, nil, nil, .statusWarn, nil])
            }
        }
        let note = state.data.unpriced.isEmpty ? 0 : 1
        TableView.draw([TableColumn(title: t(.colModel), width: 34, flexible: true), TableColumn(title: t(.colType), width: 5),
                        TableColumn(title: t(.colCost), width: 15, alignRight: true),
                        TableColumn(title: t(.colRate), width: 15, alignRight: true),
                        TableColumn(title: t(.colMargin), width: 8, alignRight: true)],
                       rows, selected: state.selectedIndex(.pricing, count: rows.count),
                       in: Rect(x: 0, y: rect.y, width: rect.width, height: rect.height - note), on: &screen, theme: theme,
                       emptyText: t(.noRows))
        if note > 0 {
            screen.put(t(.noRate) + " " + t(.unpricedCount, String(state.data.unpriced.count)), x: 1, y: rect.maxY - 1,
                       style: theme[.statusWarn], limit: rect.width - 2)
        }
    }
}
