import Foundation
import HubCore

/// Pane 2: providers with health, and the selected provider's credentials (secrets masked).
enum ProvidersPaneView {
    static func draw(_ state: ConsoleState, in rect: Rect, on screen: inout ScreenModel, theme: Theme) {
        let t = state.strings
        let providers = state.visibleProviders
        let columns = [
            TableColumn(title: t(.colName), width: 18, flexible: true), TableColumn(title: t(.colKind), width: 17),
            TableColumn(title: t(.colBaseURL), width: 32, flexible: true), TableColumn(title: t(.colEnabled), width: 7),
            TableColumn(title: t(.colCredentials), width: 5, alignRight: true),
            TableColumn(title: t(.colErrors), width: 7, alignRight: true),
            TableColumn(title: t(.colLatency), width: 8, alignRight: true),
        ]
        let rows = providers.map { health in
            let provider = health.info.provider
            return TableRow(cells: [
                provider.name, provider.kind.rawValue, provider.baseURL, SettingText.flag(provider.enabled, t),
                "\(health.info.enabledCredentials)/\(health.info.credentials)", errorText(health.recent),
                latencyText(health.recent),
            ], roles: [nil, nil, nil, provider.enabled ? .statusOk : .statusError, nil, errorRole(health.recent), nil])
        }
        let split = max(4, min(rows.count + 2, rect.height / 2))
        TableView.draw(columns, rows, selected: state.credentialsFocused ? nil : state.selectedIndex(.providers, count: rows.count),
                       in: Rect(x: 0, y: rect.y, width: rect.width, height: split), on: &screen, theme: theme,
                       emptyText: t(.noRows))
        guard let selected = state.selectedProvider else { return }
        let y = rect.y + split + 1
        Drawing.heading(t(.credentialsOf, selected.info.provider.name), x: 1, y: y, width: rect.width - 2, on: &screen, theme: theme)
        let credentials = state.selectedProviderCredentials
        let credentialRows = credentials.map { credential in
            let traffic = selected.recentByCredential[credential.id] ?? Traffic()
            return TableRow(cells: [
                credential.name, credential.secretMasked, String(credential.weight), SettingText.flag(credential.enabled, t),
                errorText(traffic), latencyText(traffic),
                credential.lastUsedAt.map(ConsoleState.shortTime) ?? t(.never), credential.lastError ?? "–",
            ], roles: [nil, nil, nil, credential.enabled ? .statusOk : .statusError, errorRole(traffic), nil, nil,
                       credential.lastError == nil ? nil : .statusError])
        }
        TableView.draw([
            TableColumn(title: t(.colName), width: 14, flexible: true), TableColumn(title: t(.colSecret), width: 12),
            TableColumn(title: t(.colWeight), width: 6, alignRight: true), TableColumn(title: t(.colEnabled), width: 7),
            TableColumn(title: t(.colErrors), width: 7, alignRight: true), TableColumn(title: t(.colLatency), width: 8, alignRight: true),
            TableColumn(title: t(.colLastUsed), width: 16), TableColumn(title: t(.colLastError), width: 30, flexible: true),
        ], credentialRows, selected: state.credentialsFocused ? max(0, min(credentials.count - 1, state.credentialSelection)) : nil,
           in: Rect(x: 0, y: y + 1, width: rect.width, height: rect.maxY - y - 1), on: &screen, theme: theme, emptyText: t(.noRows))
    }

    /// Upstream failures ÷ calls over the last one to two hours; `–` without calls.
    static func errorText(_ traffic: Traffic) -> String {
        traffic.errorRate.map { String(format: "%.1f%%", $0 * 100) } ?? "–"
    }

    static func latencyText(_ traffic: Traffic) -> String {
        traffic.averageLatencyMs.map { String(format: "%.0f ms", $0) } ?? "–"
    }

    /// Over 5 % failing is a warning.
    static func errorRole(_ traffic: Traffic) -> Role? { (traffic.errorRate ?? 0) > 0.05 ? .statusWarn : nil }
}
