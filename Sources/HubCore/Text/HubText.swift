import Foundation

/// A text the hub makes for people, as a stable code and its parameters: whoever shows it renders it
/// in their language (the console has a table per language; the CLI prints ``english``). On the wire:
/// `{"code": "mode.users_without_balance", "parameters": ["2", "3"]}`.
public struct HubText: Codable, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes: clients keep translation tables by them. `{1}`, `{2}`, ... in a template are the
    /// parameters in order.
    public enum Code: String, Codable, Sendable, CaseIterable {
        // What a mode switch changes (`mode.preview`).
        case modeAlready = "mode.already"
        case modeCallsCharged = "mode.calls_charged"
        case modeUsersWithoutBalance = "mode.users_without_balance"
        case modeUnpricedStayFree = "mode.unpriced_stay_free"
        case modeNoUnpricedModels = "mode.no_unpriced_models"
        case modeUnpricedRefused = "mode.unpriced_refused"
        case modeStarterCredits = "mode.starter_credits"
        case modeStarterOff = "mode.starter_off"
        case modeInFlightFinish = "mode.in_flight_finish"
        case modeCreditChecksStop = "mode.credit_checks_stop"
        case modeBalancesKept = "mode.balances_kept"
        case modeNoticesOff = "mode.notices_off"
        // Errors an operator meets in the console (``HubError/text``).
        case userExists = "error.user_exists"
        case providerExists = "error.provider_exists"
        case credentialExists = "error.credential_exists"
        case balanceTooLow = "error.balance_too_low"
    }

    public var code: Code
    public var parameters: [String]

    public init(_ code: Code, _ parameters: String...) {
        self.code = code
        self.parameters = parameters
    }

    /// The text in English: what the CLI prints and what ``HubError/message`` says.
    public var english: String { Self.fill(Self.englishTemplates[code] ?? code.rawValue, parameters) }

    public var description: String { english }

    /// `template` with `{1}`, `{2}`, ... replaced by `parameters` in order.
    public static func fill(_ template: String, _ parameters: [String]) -> String {
        var text = template
        for (index, parameter) in parameters.enumerated() {
            text = text.replacingOccurrences(of: "{\(index + 1)}", with: parameter)
        }
        return text
    }

    public static let englishTemplates: [Code: String] = [
        .modeAlready: "The hub is already in {1} mode: nothing changes.",
        .modeCallsCharged: "Every call will be priced and charged to the caller's balance; a call is refused (402) when the balance cannot cover it.",
        .modeUsersWithoutBalance: "{1} of {2} active users have a zero balance and will be refused.",
        .modeUnpricedStayFree: "Models without a rate stay callable, free of charge (allow_unpriced_models is on).",
        .modeNoUnpricedModels: "0 models used in the last 30 days have no rate and will be refused.",
        .modeUnpricedRefused: "{1} models used in the last 30 days have no rate and will be refused: {2}",
        .modeStarterCredits: "New users will receive {1} starter credits.",
        .modeStarterOff: "Starter credits are off: new users start at 0.",
        .modeInFlightFinish: "Requests already in flight finish under {1} mode.",
        .modeCreditChecksStop: "Credit checks stop: every active user may call every model; usage is tracked with its estimated cost.",
        .modeBalancesKept: "Balances are kept as they are ({1} credits in all) and come back into force if the mode is switched back.",
        .modeNoticesOff: "Starter credits, the payment link and low-balance notices are no longer applied.",
        .userExists: "a user named '{1}' already exists",
        .providerExists: "a provider named '{1}' already exists",
        .credentialExists: "provider '{1}' already has a credential named '{2}'",
        .balanceTooLow: "{1} has {2} credits: taking {3} would leave {4}",
    ]
}
