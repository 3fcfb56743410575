import Foundation
import HubCore

/// Renders a ``ConsoleState`` into a ``ScreenModel``: header, tabs, the pane, footer, status line,
/// and any dialog on top. Pure: the same state and size give the same cells.
public enum ConsoleView {
    public static let minimumWidth = 60
    public static let minimumHeight = 15

    public static func render(_ state: ConsoleState, theme: Theme, width: Int, height: Int,
                              timeZone: TimeZone = .current) -> ScreenModel {
        var screen = ScreenModel(width: width, height: height, fill: theme[.text])
        let t = state.strings
        guard width >= minimumWidth, height >= minimumHeight else {
            let message = t(.tooSmall, String(minimumWidth), String(minimumHeight), String(width), String(height))
            let lines = wrap(message, width: max(1, width))
            for (index, line) in lines.enumerated() {
                screen.put(line, x: 0, y: max(0, height / 2 - lines.count / 2) + index, style: theme[.statusWarn])
            }
            return screen
        }
        header(state, width: width, timeZone: timeZone, on: &screen, theme: theme)
        tabs(state, width: width, on: &screen, theme: theme)
        let body = Rect(x: 0, y: 2, width: width, height: height - 4)
        switch state.pane {
        case .mode: ModePaneView.draw(state, in: body, on: &screen, theme: theme)
        case .providers: ProvidersPaneView.draw(state, in: body, on: &screen, theme: theme)
        case .users: UsersPaneView.draw(state, in: body, on: &screen, theme: theme)
        case .pricing: PricingPaneView.draw(state, in: body, on: &screen, theme: theme)
        case .live: LivePaneView.draw(state, in: body, on: &screen, theme: theme)
        case .teams: TeamsPaneView.draw(state, in: body, on: &screen, theme: theme)
        case .billing: BillingPaneView.draw(state, in: body, on: &screen, theme: theme)
        case .revenue: RevenuePaneView.draw(state, in: body, on: &screen, theme: theme)
        }
        footer(state, y: height - 2, width: width, on: &screen, theme: theme)
        statusLine(state, y: height - 1, width: width, on: &screen, theme: theme)
        if let modal = state.modal {
            ModalView.draw(modal, state: state, in: Rect(x: 0, y: 1, width: width, height: height - 2), on: &screen, theme: theme)
        }
        return screen
    }

    private static func header(_ state: ConsoleState, width: Int, timeZone: TimeZone, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        screen.fill(Rect(x: 0, y: 0, width: width, height: 1), style: theme[.header])
        let clock = clockText(state.now, timeZone: timeZone)
        let mode = state.data.settings.map { t(.modeLabel, $0.mode.rawValue) } ?? t(.loading)
        let readOnly = state.readOnly ? " │ " + t(.readOnlyBadge) : ""
        // A cluster's nodes: shown on PostgreSQL, or when more than one node runs.
        let nodes: String = if let cluster = state.data.cluster,
                               cluster.database == .postgres || cluster.nodes.filter(\.live).count > 1 {
            " │ " + t(.nodesBadge, "\(cluster.nodes.filter(\.live).count)")
        } else { "" }
        func line(_ path: String) -> String {
            let endpoint: String = switch state.endpoint {
            case .socket: t(.endpointSocket, path)
            case .database: t(.endpointDatabase, path)
            }
            return " " + [t(.appName), endpoint, mode].joined(separator: " │ ") + nodes + readOnly
        }
        let path: String = switch state.endpoint {
        case .socket(let path), .database(let path): path
        }
        let room = width - DisplayWidth.of(clock) - 2
        let pathRoom = room - DisplayWidth.of(line(""))
        let left = line(TextFit.truncateLeading(path, to: max(10, pathRoom)))
        screen.put(TextFit.truncate(left, to: room), x: 0, y: 0, style: theme[.header])
        screen.put(clock, x: width - DisplayWidth.of(clock) - 1, y: 0, style: theme[.header])
    }

    private static func tabs(_ state: ConsoleState, width: Int, on screen: inout ScreenModel, theme: Theme) {
        screen.fill(Rect(x: 0, y: 1, width: width, height: 1), style: theme[.tab])
        // Names with room around them; when they do not fit, names packed closer; when even those
        // do not fit, the other panes show only their digit.
        enum Fit: CaseIterable { case spacious, packed, digits }
        func label(_ pane: PaneID, _ fit: Fit) -> String {
            let active = pane == state.pane
            let text = fit == .digits && !active ? "\(pane.rawValue)" : "\(pane.rawValue) \(state.strings(pane.title))"
            if active { return "[\(text)]" }
            return fit == .packed ? text : " \(text) "
        }
        func gap(_ fit: Fit) -> String { fit == .packed ? "  " : " " }
        let fit = Fit.allCases.first { fit in
            PaneID.allCases.reduce(0) { $0 + DisplayWidth.of(label($1, fit)) + DisplayWidth.of(gap(fit)) }
                - DisplayWidth.of(gap(fit)) <= width
        } ?? .digits
        var x = 0
        for pane in PaneID.allCases {
            let active = pane == state.pane
            x = screen.put(label(pane, fit), x: x, y: 1, style: theme[active ? .tabActive : .tab])
            x = screen.put(gap(fit), x: x, y: 1, style: theme[.tab])
        }
    }

    private static func footer(_ state: ConsoleState, y: Int, width: Int, on screen: inout ScreenModel, theme: Theme) {
        screen.fill(Rect(x: 0, y: y, width: width, height: 1), style: theme[.footer])
        // `? help` always shows, at the right; the pane's keys first, then the global ones, as room allows.
        let help = KeyTable.global.filter { $0.action == .help }
        let bindings = state.paneBindings.filter { state.offers($0.action) } + KeyTable.global.filter { $0.inFooter && $0.action != .help }
        func hints(_ bindings: [Binding]) -> [(key: String, text: String)] {
            bindings.map { (key: $0.keys[0].label, text: state.strings($0.help)) }
        }
        let helpHint = hints(help)
        let helpWidth = helpHint.reduce(0) { $0 + DisplayWidth.of($1.key) + DisplayWidth.of($1.text) + 3 }
        Drawing.hints(helpHint, x: width - helpWidth, y: y, width: helpWidth, on: &screen, theme: theme)
        Drawing.hints(hints(bindings), x: 1, y: y, width: width - helpWidth - 2, on: &screen, theme: theme)
    }

    private static func statusLine(_ state: ConsoleState, y: Int, width: Int, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        screen.fill(Rect(x: 0, y: y, width: width, height: 1), style: theme[.status])
        switch state.input {
        case .filter(let field):
            screen.put("/" + field.display + "▏", x: 0, y: y, style: theme[.input])
            return
        case .command(let field):
            screen.put(":" + field.display + "▏", x: 0, y: y, style: theme[.input])
            return
        case nil:
            break
        }
        if let status = state.status, status.kind == .error || state.now.timeIntervalSince(status.at) < 6 {
            let role: Role = switch status.kind {
            case .ok: .statusOk
            case .warn: .statusWarn
            case .error: .statusError
            }
            screen.put(TextFit.truncate(status.text, to: width - 1), x: 0, y: y, style: theme[role])
            return
        }
        var parts: [String] = []
        if let updated = state.data.updatedAt {
            parts.append(t(.updatedAgo, String(max(0, Int(state.now.timeIntervalSince(updated))))))
        } else {
            parts.append(t(.loading))
        }
        if let filter = state.filters[state.pane] { parts.append("/" + filter) }
        if state.pane == .users, state.lowBalanceOnly { parts.append(":low") }
        if state.data.live.paused { parts.append(t(.pausedBadge)) }
        screen.put(TextFit.truncate(parts.joined(separator: "  "), to: width - 1), x: 0, y: y, style: theme[.status])
    }

    /// `HH:MM:SS` in `timeZone`.
    static func clockText(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// Splits text into lines of at most `width` columns, at spaces when it can (CJK text, which has
    /// none, breaks between characters).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            let candidate = line.isEmpty ? word : line + " " + word
            if DisplayWidth.of(candidate) <= width {
                line = candidate
                continue
            }
            if !line.isEmpty { lines.append(line) }
            line = ""
            for character in word {
                if DisplayWidth.of(line) + DisplayWidth.of(character) > width {
                    lines.append(line)
                    line = ""
                }
                line.append(character)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
