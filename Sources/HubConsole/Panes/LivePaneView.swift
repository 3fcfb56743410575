import Foundation
import HubAdmin
import HubCore

/// Pane 5: traffic as it happens: sparklines of the last minutes, latency percentiles, top users,
/// models and providers, and a tail of recent calls.
enum LivePaneView {
    static func draw(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        let live = state.data.live
        let latest = live.latest
        let badge = live.paused ? t(.pausedBadge) : t(.liveBadge)
        screen.put(badge, x: rect.maxX - DisplayWidth.of(badge) - 1, y: rect.y, style: theme[live.paused ? .statusWarn : .statusOk])
        let series: [(Phrase, String, [Double])] = [
            (.liveRequests, String(format: "%.1f", latest?.requestsPerSecond ?? 0), live.samples.map(\.requestsPerSecond)),
            (.liveTokens, String(format: "%.0f", latest?.tokensPerSecond ?? 0), live.samples.map(\.tokensPerSecond)),
            (.liveCredits, (latest?.creditsPerMinute ?? .zero).formatted(places: 2),
             live.samples.map { Double($0.creditsPerMinute.nanos) / Double(Amount.scale) }),  // display only
            (.liveErrors, String(format: "%.1f", (latest?.errorRate ?? 0) * 100), live.samples.map { $0.errorRate * 100 }),
        ]
        let labelWidth = 13, valueWidth = 12
        for (index, (label, value, values)) in series.enumerated() {
            let y = rect.y + index
            screen.put(TextFit.pad(t(label), to: labelWidth), x: 1, y: y, style: theme[.tableHeader])
            screen.put(TextFit.pad(value, to: valueWidth - 3, alignRight: true) + " " + trend(values), x: 1 + labelWidth, y: y,
                       style: theme[.text])
            let chartWidth = rect.width - labelWidth - valueWidth - 2 - (index == 0 ? DisplayWidth.of(badge) + 1 : 0)
            screen.put(Sparkline.render(values, width: chartWidth), x: 1 + labelWidth + valueWidth, y: y, style: theme[.chart])
        }
        var y = rect.y + series.count
        let latency = t(.liveLatency, String(format: "%.0f", latest?.latencyP50Ms ?? 0), String(format: "%.0f", latest?.latencyP95Ms ?? 0),
                        String(format: "%.0f", latest?.latencyP99Ms ?? 0))
        let end = screen.put(latency, x: 1, y: y, style: theme[.text], limit: rect.width - 2)
        if let inFlight = latest?.inFlight { screen.put("   " + t(.liveInFlight, String(inFlight)), x: end, y: y, style: theme[.textDim]) }
        y += 1
        let topRows = max(1, min(3, (rect.maxY - y - 5) / 1))
        drawTops(state, y: y, rows: topRows, width: rect.width, on: &screen, theme: theme)
        y += topRows + 1
        Drawing.heading(t(.recentCalls), x: 1, y: y, width: rect.width - 2, on: &screen, theme: theme)
        let rows = live.tail.prefix(max(0, rect.maxY - y - 2)).map { event -> TableRow in
            let failed = event.status >= 400
            return TableRow(cells: [
                shortClock(event.createdAt), userName(event.userId, state), providerModel(event, state),
                "\(event.tokensIn)+\(event.tokensOut)", event.creditsCharged.description, String(format: "%.0f ms", event.latencyMs),
                (failed ? "✗ " : "✓ ") + String(event.status),
            ], roles: [nil, nil, nil, nil, nil, nil, failed ? .statusError : .statusOk])
        }
        TableView.draw([TableColumn(title: t(.colTime), width: 8), TableColumn(title: t(.colUser), width: 14, flexible: true),
                        TableColumn(title: t(.colModel), width: 24, flexible: true), TableColumn(title: t(.colTokens), width: 11, alignRight: true),
                        TableColumn(title: t(.colCredits), width: 10, alignRight: true),
                        TableColumn(title: t(.colLatency), width: 8, alignRight: true), TableColumn(title: t(.colStatus), width: 6)],
                       Array(rows), selected: nil, in: Rect(x: 0, y: y + 1, width: rect.width, height: rect.maxY - y - 1),
                       on: &screen, theme: theme, emptyText: t(.noRows))
    }

    private static func drawTops(_ state: ConsoleState, y: Int, rows: Int, width: Int, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        let latest = state.data.live.latest
        let columnWidth = (width - 2) / 3
        let users = state.data.live.topUsers(limit: rows).map {
            "\(userName($0.userId, state))  " + String(format: "%.1f/s", $0.stats.requestsPerSecond)
        }
        func top(_ groups: [String: GroupStats]?) -> [String] {
            (groups ?? [:]).sorted { ($0.value.requests, $1.key) > ($1.value.requests, $0.key) }.prefix(rows)
                .map { "\(groupName($0.key, t))  " + String(format: "%.1f/s", $0.value.requestsPerSecond) }
        }
        let lists: [(Phrase, [String])] = [(.topUsers, users), (.topModels, top(latest?.byModel)), (.topProviders, top(latest?.byProvider))]
        for (index, (title, lines)) in lists.enumerated() {
            let x = 1 + index * columnWidth
            screen.put(TextFit.truncate(t(title), to: columnWidth - 1), x: x, y: y, style: theme[.tableHeader])
            for (row, line) in lines.enumerated() {
                screen.put(TextFit.truncate(line, to: columnWidth - 2), x: x, y: y + 1 + row, style: theme[.text])
            }
        }
    }

    /// `▲`/`▼` when the last value rose/fell since the tick before (a glyph, not a colour).
    static func trend(_ values: [Double]) -> String {
        guard values.count >= 2 else { return " " }
        let last = values[values.count - 1], previous = values[values.count - 2]
        return last > previous ? "▲" : last < previous ? "▼" : " "
    }

    static func userName(_ id: Int64?, _ state: ConsoleState) -> String {
        guard let id, id != 0 else { return "–" }
        return state.data.users.first { $0.user.id == id }?.user.name ?? "#\(id)"
    }

    private static func providerModel(_ event: UsageEvent, _ state: ConsoleState) -> String {
        let names = Dictionary(state.data.providers.compactMap { health in health.info.provider.id.map { ($0, health.info.provider.name) } },
                               uniquingKeysWith: { first, _ in first })
        return groupName(LiveGroup.names(of: event, providerNames: names).model, state.strings)
    }

    /// A top-list or tail name, with the hub's names for calls that reached no provider translated.
    static func groupName(_ name: String, _ t: Strings) -> String {
        switch name {
        case LiveGroup.noKey: t(.liveNoKey)
        case LiveGroup.unknownModel: t(.liveUnknownModel)
        default: name
        }
    }

    private static func shortClock(_ date: Date) -> String { ConsoleView.clockText(date, timeZone: .current) }
}
