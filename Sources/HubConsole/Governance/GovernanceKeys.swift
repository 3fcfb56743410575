/// The governance keys: the Teams pane's, and those added to the Users pane.
enum GovernanceKeys {
    static let teams: [Binding] = [
        Binding([.enter], .open, .helpOpenUser),
        Binding([.character("b")], .governance(.budget), .govHelpBudget, mutates: true),
        Binding([.character("l")], .governance(.limits), .govHelpLimits, mutates: true),
        Binding([.character("c")], .governance(.chargeback), .govHelpChargeback),
        Binding([.character("v")], .governance(.groupBy), .govHelpGroupBy),
        Binding([.character("x")], .governance(.export), .govHelpExport),
        Binding([.character("<"), .character("[")], .governance(.previousMonth), .govHelpPreviousMonth),
        Binding([.character(">"), .character("]")], .governance(.nextMonth), .govHelpNextMonth),
    ]

    static let users: [Binding] = [
        Binding([.character("b")], .governance(.budget), .govHelpBudget, mutates: true),
        Binding([.character("l")], .governance(.limits), .govHelpLimits, mutates: true),
        Binding([.character("o")], .governance(.scope), .govHelpScope, mutates: true),
    ]
}
