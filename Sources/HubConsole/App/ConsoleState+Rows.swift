import Foundation
import HubCore

/// A row of the Pricing pane: a current rate, or a model seen in usage without one.
enum PricingRow: Sendable, Equatable {
    case rate(RateInfo)
    case unpriced(String)

    var model: String {
        switch self {
        case .rate(let info): info.model
        case .unpriced(let model): model
        }
    }
}

/// The `/` filter: a case-insensitive regular expression (or plain text when it is not one);
/// a leading `!` keeps the rows that do not match.
struct RowFilter {
    let inverted: Bool
    let regex: Regex<AnyRegexOutput>?
    let plain: String

    init?(_ text: String?) {
        guard var text, !text.isEmpty else { return nil }
        inverted = text.hasPrefix("!")
        if inverted { text.removeFirst() }
        plain = text.lowercased()
        regex = (try? Regex(text))?.ignoresCase()
    }

    func keeps(_ fields: [String]) -> Bool {
        let line = fields.joined(separator: " ")
        let matches = regex.map { line.contains($0) } ?? line.lowercased().contains(plain)
        return matches != inverted
    }
}

extension ConsoleState {
    private func filtered<T>(_ rows: [T], _ fields: (T) -> [String]) -> [T] {
        guard let filter = RowFilter(filters[pane]) else { return rows }
        return rows.filter { filter.keeps(fields($0)) }
    }

    var visibleUsers: [UserSummary] {
        let users = lowBalanceOnly ? data.users.filter { isLowBalance($0.user) } : data.users
        return filtered(users) { [$0.user.name, $0.user.email ?? "", $0.user.status.rawValue] }
    }

    /// Under the hub's low-balance threshold (service-provider mode only).
    func isLowBalance(_ user: User) -> Bool { data.settings?.isLow(user.balance) ?? false }

    var visibleProviders: [ProviderHealth] {
        filtered(data.providers) { [$0.info.provider.name, $0.info.provider.kind.rawValue, $0.info.provider.baseURL] }
    }

    var visiblePricingRows: [PricingRow] {
        let rows = data.rates.map(PricingRow.rate) + data.unpriced.map(PricingRow.unpriced)
        return filtered(rows) { [$0.model] }
    }

    var selectedUser: UserSummary? {
        if let openUser {
            return data.users.first { $0.user.name.lowercased() == openUser.lowercased() }
                ?? data.userDetail.map { UserSummary(user: $0.user, spendThisMonth: $0.spendThisMonth) }
        }
        let users = visibleUsers
        return users.isEmpty ? nil : users[selectedIndex(.users, count: users.count)]
    }

    var selectedProvider: ProviderHealth? {
        let providers = visibleProviders
        return providers.isEmpty ? nil : providers[selectedIndex(.providers, count: providers.count)]
    }

    var selectedProviderCredentials: [CredentialInfo] {
        guard let provider = selectedProvider else { return [] }
        return data.credentials.filter { $0.provider == provider.info.provider.name }
    }

    var selectedCredential: CredentialInfo? {
        let credentials = selectedProviderCredentials
        return credentials.isEmpty ? nil : credentials[max(0, min(credentials.count - 1, credentialSelection))]
    }

    var selectedPricingRow: PricingRow? {
        let rows = visiblePricingRows
        return rows.isEmpty ? nil : rows[selectedIndex(.pricing, count: rows.count)]
    }

    var selectedSetting: SettingField {
        SettingField(rawValue: selectedIndex(.mode, count: SettingField.allCases.count)) ?? .starterCreditsEnabled
    }

    /// The detail of the open user, once loaded (and only if it is that user's).
    var openUserDetail: UserDetail? {
        guard let openUser, let detail = data.userDetail, detail.user.name.lowercased() == openUser.lowercased() else { return nil }
        return detail
    }
}
