import Foundation
import HubCore

/// What covers the pane: help, a form, a confirmation, or a message.
enum Modal: Sendable, Equatable {
    case help
    case form(FormModel)
    case confirm(ConfirmModel)
    case message(title: String, lines: [String])
}

/// A dialog of labelled text fields; Tab moves between fields, Enter submits.
struct FormModel: Sendable, Equatable {
    struct Field: Sendable, Equatable {
        var label: String
        var input: TextField
    }

    var title: String
    var fields: [Field]
    var focus = 0
    var purpose: FormPurpose
    /// Why the last submit was refused (bad amount, empty reason).
    var error: String?

    func value(_ index: Int) -> String { fields[index].input.text.trimmingCharacters(in: .whitespaces) }
}

/// What a form is for; decides how its values become a confirmation or a change.
enum FormPurpose: Sendable, Equatable {
    case grant(user: String, balance: Amount)
    case deduct(user: String, balance: Amount)
    case addUser
    case createKey(user: String)
    case addProvider
    case editProvider(Provider)
    case addCredential(provider: String)
    case rate
    case setting(SettingField, current: String)
    case governance(GovernanceForm)
    case billing(BillingForm)
}

/// A setting of the Mode pane, in display order.
enum SettingField: Int, CaseIterable, Sendable, Equatable {
    case starterCreditsEnabled, starterCredits, paymentLink, lowBalanceThreshold, allowUnpricedModels
    case starterCreditsExpireDays

    var isFlag: Bool { self == .starterCreditsEnabled || self == .allowUnpricedModels }
}

/// "This is what will happen — confirm?" Nothing is sent before it is confirmed. With a
/// `requiredWord`, confirming needs that word typed (mode switches).
struct ConfirmModel: Sendable, Equatable {
    var title: String
    var lines: [String]
    var requiredWord: String?
    var typed = TextField()
    var mutation: Mutation
}

