import HubCore

/// Pane 7: the business per day or month (`m` switches): money in and back, credits charged for
/// usage, what the providers cost, and the margin; a total under the rows.
enum RevenuePaneView {
    static func draw(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        let billing = state.data.billing
        Drawing.heading(t(billing.revenueBy == .day ? .revenuePerDay : .revenuePerMonth), x: 1, y: rect.y, width: rect.width - 2,
                        on: &screen, theme: theme)
        let narrow = rect.width < 80
        let columns = columns(t, narrow: narrow)
        let rows = billing.revenue.map { row($0, narrow: narrow) }
        let totalHeight = rows.isEmpty ? 0 : 1
        TableView.draw(columns, rows, selected: rows.isEmpty ? nil : state.selectedIndex(.revenue, count: rows.count),
                       in: Rect(x: 0, y: rect.y + 1, width: rect.width, height: rect.height - 2 - totalHeight), on: &screen,
                       theme: theme, emptyText: state.data.updatedAt == nil ? t(.loading) : t(.noRows))
        if !rows.isEmpty {
            // The total row is laid out with the table's own column widths, so its figures line up.
            let widths = TableView.layout(columns, rows: rows, width: rect.width - 1)
            var x = 1
            for (index, cell) in totals(t, billing.revenue, narrow: narrow).enumerated() where widths[index] > 0 {
                screen.put(TextFit.pad(cell, to: widths[index], alignRight: index > 0), x: x, y: rect.maxY - 2,
                           style: theme[.tableHeader], limit: widths[index])
                x += widths[index] + 1
            }
        }
        screen.put(t(.revenueNote), x: 1, y: rect.maxY - 1, style: theme[.textDim], limit: rect.width - 2)
    }

    /// Below 80 columns the refunds column goes (it is in `aigne-hub admin revenue`), so the margin stays.
    static func columns(_ t: Strings, narrow: Bool) -> [TableColumn] {
        let money = narrow ? 11 : 13
        return [TableColumn(title: t(.colPeriod), width: 10), TableColumn(title: t(.colPurchases), width: narrow ? 11 : 12, alignRight: true)]
            + (narrow ? [] : [TableColumn(title: t(.colRefunds), width: 11, alignRight: true)])
            + [TableColumn(title: t(.colUsageCharged), width: money, alignRight: true),
               TableColumn(title: t(.colProviderCost), width: money, alignRight: true),
               TableColumn(title: t(.colMargin), width: narrow ? 11 : 12, alignRight: true)]
    }

    private static func row(_ r: RevenueRow, narrow: Bool) -> TableRow {
        TableRow(cells: cells(period: r.period, r.purchases, r.refunds, r.usageCharged, r.providerCost, r.margin, narrow: narrow),
                 roles: [nil, .moneyPositive] + (narrow ? [] : [r.refunds.isPositive ? .moneyNegative : nil])
                    + [nil, nil, r.margin.isNegative ? .moneyNegative : .moneyPositive])
    }

    private static func cells(period: String, _ purchases: Amount, _ refunds: Amount, _ usage: Amount, _ cost: Amount,
                              _ margin: Amount, narrow: Bool) -> [String] {
        [period, purchases.description] + (narrow ? [] : [refunds.isPositive ? "-" + refunds.description : "0"])
            + [usage.description, cost.description, (margin.isNegative ? "▼ " : "") + margin.description]
    }

    /// The total line: the sum of every row shown.
    static func totals(_ t: Strings, _ rows: [RevenueRow], narrow: Bool) -> [String] {
        func sum(_ field: KeyPath<RevenueRow, Amount>) -> Amount { Amount(nanos: rows.reduce(Int64(0)) { $0 &+ $1[keyPath: field].nanos }) }
        return cells(period: t(.revenueTotal), sum(\.purchases), sum(\.refunds), sum(\.usageCharged), sum(\.providerCost),
                     sum(\.margin), narrow: narrow)
    }
}
