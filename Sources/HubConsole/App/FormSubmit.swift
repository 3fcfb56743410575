import Foundation
import HubCore

/// What a submitted form leads to.
enum FormOutcome: Sendable, Equatable {
    /// Money-moving and other consequential changes: show the effect and ask.
    case confirm(title: String, lines: [String], Mutation)
    /// Additions that change nothing existing: sent at once.
    case perform(Mutation)
    /// Asks the hub first (a preview the confirmation shows, or a report to export).
    case load(Query)
}

/// Turns a form's text into a checked change. Bad input is reported in the form, nothing is sent.
enum FormSubmit {
    static func evaluate(_ form: FormModel, _ strings: Strings) -> Result<FormOutcome, ConsoleError> {
        do {
            return .success(try outcome(form, strings))
        } catch {
            return .failure(error)
        }
    }

    private static func outcome(_ form: FormModel, _ t: Strings) throws(ConsoleError) -> FormOutcome {
        switch form.purpose {
        case .grant(let user, let balance), .deduct(let user, let balance):
            let granting = if case .grant = form.purpose { true } else { false }
            let amount = try positiveAmount(form.value(0), t)
            let reason = form.value(1)
            guard !reason.isEmpty else { throw ConsoleError(t(.reasonRequired)) }
            let after = (try? granting ? balance.adding(amount) : balance.subtracting(amount)) ?? balance
            var lines = [t(.effectBalance, balance.description, after.description), t(.effectReason, reason)]
            if after.isNegative { lines.append(t(.warnBelowZero)) }
            // One key per confirmation dialog: every send of this move (a resend after a lost answer
            // included) names the same ledger entry.
            let key = Mutation.newIdempotencyKey()
            return .confirm(
                title: t(granting ? .confirmGrantTitle : .confirmDeductTitle, amount.description, user), lines: lines,
                granting ? .grant(user: user, amount: amount, reason: reason, key: key)
                    : .deduct(user: user, amount: amount, reason: reason, key: key))
        case .addUser:
            let name = try required(form.value(0), .fieldName, t)
            let email = form.value(1)
            return .perform(.addUser(name: name, email: email.isEmpty ? nil : email))
        case .createKey(let user):
            return .perform(.createKey(user: user, name: try required(form.value(0), .fieldKeyName, t)))
        case .addProvider:
            let name = try required(form.value(0), .fieldName, t)
            let kind = try kind(form.value(1), t)
            return .perform(.addProvider(name: name, kind: kind, baseURL: try required(form.value(2), .fieldBaseURL, t)))
        case .editProvider(let before):
            let kind = try kind(form.value(0), t)
            let baseURL = try required(form.value(1), .fieldBaseURL, t)
            let displayName = form.value(2).isEmpty ? before.displayName : form.value(2)
            var lines: [String] = []
            if kind != before.kind { lines.append("\(t(.fieldKind)): " + t(.effectChange, before.kind.rawValue, kind.rawValue)) }
            if baseURL != before.baseURL { lines.append("\(t(.fieldBaseURL)): " + t(.effectChange, before.baseURL, baseURL)) }
            if displayName != before.displayName {
                lines.append("\(t(.fieldDisplayName)): " + t(.effectChange, before.displayName, displayName))
            }
            if lines.isEmpty { lines.append(t(.effectChange, "–", "–")) }
            return .confirm(title: t(.confirmEditTitle, before.name), lines: lines,
                            .updateProvider(before.name, kind: kind, baseURL: baseURL, displayName: displayName))
        case .addCredential(let provider):
            let name = try required(form.value(0), .fieldName, t)
            let secret = try required(form.fields[1].input.text, .fieldSecret, t)
            let weightText = form.value(2)
            guard weightText.isEmpty || Int(weightText) != nil else { throw ConsoleError(t(.badNumber, weightText)) }
            return .perform(.addCredential(provider: provider, name: name, secret: secret, weight: Int(weightText)))
        case .rate:
            let model = try required(form.value(0), .fieldModel, t)
            let prices = try (1...4).map { index throws(ConsoleError) in try amount(form.value(index), t) }
            let change = RateChange(model: model, input: prices[0], output: prices[1], costInput: prices[2], costOutput: prices[3])
            return .confirm(title: t(.confirmRateTitle, model), lines: [
                t(.effectRate, prices[0].description, prices[1].description),
                t(.effectCost, prices[2].description, prices[3].description),
                t(.effectMargin, Margin.percent(change) ?? "–"),
            ], .setRate(change))
        case .setting(let field, let current):
            let text = form.value(0)
            let change: SettingChange = switch field {
            case .starterCredits: .starterCredits(try amount(text, t))
            case .lowBalanceThreshold: .lowBalanceThreshold(try amount(text, t))
            case .paymentLink: .paymentLink(text)
            case .starterCreditsExpireDays:
                .starterCreditsExpireDays(try BillingForms.whole(text.isEmpty ? "0" : text, in: 0...3_650, t))
            case .starterCreditsEnabled, .allowUnpricedModels:
                throw ConsoleError(t(.badNumber, text))  // flags are toggled, never typed
            }
            return .confirm(title: t(.confirmSettingTitle, t(SettingText.label(field))),
                            lines: [t(.effectChange, current.isEmpty ? "–" : current, text.isEmpty ? "–" : text)], .setting(change))
        case .governance(let purpose):
            return try GovernanceForms.outcome(purpose, form, t)
        case .billing(let purpose):
            return try BillingForms.outcome(purpose, form, t)
        }
    }

    private static func kind(_ text: String, _ t: Strings) throws(ConsoleError) -> ProviderKind {
        guard let kind = ProviderKind(rawValue: text.lowercased()) else {
            throw ConsoleError(t(.badKind, text, ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        return kind
    }

    static func required(_ text: String, _ field: Phrase, _ t: Strings) throws(ConsoleError) -> String {
        guard !text.isEmpty else { throw ConsoleError(t(.fieldRequired, t(field))) }
        return text
    }

    private static func amount(_ text: String, _ t: Strings) throws(ConsoleError) -> Amount {
        do {
            let value = try Amount(parsing: text.isEmpty ? "0" : text)
            guard !value.isNegative else { throw ConsoleError(t(.badAmount, text)) }
            return value
        } catch let error as ConsoleError {
            throw error
        } catch {
            throw ConsoleError(t(.badAmount, text))
        }
    }

    static func positiveAmount(_ text: String, _ t: Strings) throws(ConsoleError) -> Amount {
        let value = try amount(text, t)
        guard value.isPositive else { throw ConsoleError(t(.badAmount, text)) }
        return value
    }
}

/// The operator's margin over the provider's cost, as the Pricing pane shows it.
enum Margin {
    /// (credit rate − cost) ÷ cost over input + output prices, one decimal; nil when the cost is zero.
    static func percent(_ change: RateChange) -> String? {
        let charged = Int128(change.input.nanos) + Int128(change.output.nanos)
        let cost = Int128(change.costInput.nanos) + Int128(change.costOutput.nanos)
        guard cost > 0 else { return nil }
        let scaled = (charged - cost) * 1_000
        let permille = scaled >= 0 ? (scaled + cost / 2) / cost : -((-scaled + cost / 2) / cost)  // half away from zero
        return "\(permille < 0 ? "-" : "")\(permille.magnitude / 10).\(permille.magnitude % 10)%"
    }
}

/// Names and values of the Mode pane's settings.
enum SettingText {
    static func label(_ field: SettingField) -> Phrase {
        switch field {
        case .starterCreditsEnabled: .settingStarterEnabled
        case .starterCredits: .settingStarterCredits
        case .paymentLink: .settingPaymentLink
        case .lowBalanceThreshold: .settingLowBalance
        case .allowUnpricedModels: .settingAllowUnpriced
        case .starterCreditsExpireDays: .settingStarterExpiry
        }
    }

    static func value(_ field: SettingField, _ settings: HubSettings) -> String {
        switch field {
        case .starterCreditsEnabled: String(settings.starterCreditsEnabled)
        case .starterCredits: settings.starterCredits.description
        case .paymentLink: settings.paymentLink ?? ""
        case .lowBalanceThreshold: settings.lowBalanceThreshold.description
        case .allowUnpricedModels: String(settings.allowUnpricedModels)
        case .starterCreditsExpireDays: settings.starterCreditsExpireDays.map(String.init) ?? ""
        }
    }

    /// On/off with a glyph, never by colour alone.
    static func flag(_ on: Bool, _ t: Strings) -> String { on ? "✓ " + t(.on) : "✗ " + t(.off) }
}
