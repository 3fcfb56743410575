import Foundation
import HubAdmin
import HubCore

/// A read the console asks of the hub.
public enum Query: Sendable, Equatable {
    case settings, providers, credentials, users, userDetail(String), rates, unpriced
    /// The database and its nodes (`hub.status`), for the header.
    case nodes
    /// Users whose name or email contains the text (the hub searches all of them).
    case userSearch(String)
    /// Users under the low-balance threshold (`:low`).
    case lowBalanceUsers
    case modePreview(DeploymentMode)
    case rateHistory(String)
    case governance(GovernanceQuery)
    case billing(BillingQuery)
}

/// A change the console asks of the hub, only ever after the user confirmed it.
public enum Mutation: Sendable, Equatable {
    case setMode(DeploymentMode)
    case setting(SettingChange)
    case addUser(name: String, email: String?)
    /// Money moves carry an idempotency key made once per confirmed dialog (``newIdempotencyKey()``):
    /// however often the console sends one, the hub applies it once.
    case grant(user: String, amount: Amount, reason: String, key: String)
    case deduct(user: String, amount: Amount, reason: String, key: String)
    case suspend(user: String), resume(user: String)
    case createKey(user: String, name: String)
    case revokeKey(id: Int64, prefix: String)
    case addProvider(name: String, kind: ProviderKind, baseURL: String)
    case updateProvider(String, kind: ProviderKind, baseURL: String, displayName: String)
    case setProviderEnabled(String, Bool)
    case removeProvider(String)
    case addCredential(provider: String, name: String, secret: String, weight: Int?)
    case setCredentialEnabled(provider: String, credential: String, Bool)
    case removeCredential(provider: String, credential: String)
    case setRate(RateChange)
    case removeRate(model: String, type: ModelType)
    case governance(GovernanceChange)
    case billing(BillingMutation)

    /// A fresh idempotency key for one money move: `console:` and a random UUID.
    static func newIdempotencyKey() -> String { "console:" + UUID().uuidString.lowercased() }

    /// The panes' data this change can alter, reloaded after it succeeds.
    var reloads: [Query] {
        switch self {
        case .setMode, .setting: [.settings]
        case .addUser, .suspend, .resume: [.users]
        case .grant(let user, _, _, _), .deduct(let user, _, _, _): [.users, .userDetail(user)]
        case .createKey(let user, _): [.userDetail(user)]
        case .revokeKey: [.users]
        case .addProvider, .updateProvider, .setProviderEnabled, .removeProvider: [.providers, .credentials, .rates]
        case .addCredential, .setCredentialEnabled, .removeCredential: [.providers, .credentials]
        case .setRate, .removeRate: [.rates, .unpriced]
        case .governance(let change): change.reloads
        case .billing(let change): change.reloads
        }
    }
}

/// What the state machine asks its runner to do; the runner reports back with ``HubEvent``s.
public enum Effect: Sendable, Equatable {
    case load(Query)
    case perform(Mutation)
    case setTheme(String)
    case quit
}

/// Results, failures and live notifications, fed into the state machine.
public enum HubEvent: Sendable {
    case settings(HubSettings)
    case nodes(StoreKind, [NodeStatus])
    case providers([ProviderHealth])
    case credentials([CredentialInfo])
    case users([UserSummary])
    case userDetail(UserDetail)
    case rates([RateInfo])
    case unpriced([String])
    case preview(ModeSwitchPreview)
    case history(model: String, [RateInfo])
    case performed(Mutation)
    case createdKey(CreatedAPIKey)
    /// Something went wrong in the console (text already in its language).
    case failed(String)
    /// The hub refused or could not be reached (shown in the console's language).
    case refused(HubError)
    case notification(HubNotification)
    case themeChanged(Theme)
    case tick(Date)
    case governance(GovernanceEvent)
    case billing(BillingAnswer)
}

/// One service-provider setting, changed from the Mode pane.
public enum SettingChange: Sendable, Equatable {
    case starterCreditsEnabled(Bool)
    case starterCredits(Amount)
    case paymentLink(String)
    case lowBalanceThreshold(Amount)
    case allowUnpricedModels(Bool)
    /// Days until starter credits expire; 0: never.
    case starterCreditsExpireDays(Int)

    var method: Admin.SettingsSet {
        switch self {
        case .starterCreditsEnabled(let on): Admin.SettingsSet(starterCreditsEnabled: on)
        case .starterCredits(let amount): Admin.SettingsSet(starterCredits: amount)
        case .paymentLink(let link): Admin.SettingsSet(paymentLink: link)
        case .lowBalanceThreshold(let amount): Admin.SettingsSet(lowBalanceThreshold: amount)
        case .allowUnpricedModels(let on): Admin.SettingsSet(allowUnpricedModels: on)
        case .starterCreditsExpireDays(let days): Admin.SettingsSet(starterCreditsExpireDays: days)
        }
    }
}

/// A chat model's rate as the Pricing pane edits it: credits and provider cost per 1M tokens.
public struct RateChange: Sendable, Equatable {
    /// `provider/model`.
    public var model: String
    public var input: Amount
    public var output: Amount
    public var costInput: Amount
    public var costOutput: Amount

    var method: Admin.RatesSet {
        Admin.RatesSet(model: model, type: .chat, per: .million, input: input, output: output,
                       costInput: costInput, costOutput: costOutput)
    }
}
