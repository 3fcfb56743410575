import Foundation
import HubCore

/// The governance dialogs: what each one is for.
enum GovernanceForm: Sendable, Equatable {
    case budget(SubjectRef)
    case limits(SubjectRef)
    case scope(keyId: Int64, label: String, current: KeyScope)
    case export(month: String, by: ChargebackGrouping)
}

/// Turns a governance dialog's text into a checked request. Budgets and limits go to the hub's
/// preview first (the confirmation shows what it answers); a scope's effect is the change itself.
enum GovernanceForms {
    static func outcome(_ purpose: GovernanceForm, _ form: FormModel, _ t: Strings) throws(ConsoleError) -> FormOutcome {
        switch purpose {
        case .budget(let subject):
            guard let amount = try? Amount(parsing: form.value(0)), amount.isPositive else {
                throw ConsoleError(t(.badAmount, form.value(0)))
            }
            guard let period = BudgetPeriod(rawValue: form.value(1).lowercased()) else {
                throw ConsoleError(t(.govBadPeriod, form.value(1)))
            }
            let soft = form.value(2)
            guard soft.isEmpty || (Int(soft).map { (1...100).contains($0) } ?? false) else { throw ConsoleError(t(.govBadSoft, soft)) }
            return .load(.governance(.budgetPreview(BudgetDraft(subject: subject, amount: amount, period: period, soft: Int(soft)))))
        case .limits(let subject):
            let values = try (0..<3).map { index throws(ConsoleError) -> Int? in
                let text = form.value(index)
                guard !text.isEmpty else { return nil }
                guard let value = Int(text), value > 0 else { throw ConsoleError(t(.govBadLimit, text)) }
                return value
            }
            guard values.contains(where: { $0 != nil }) else { throw ConsoleError(t(.govLimitRequired)) }
            return .load(.governance(.limitPreview(LimitDraft(subject: subject, rpm: values[0], tpm: values[1], concurrency: values[2]))))
        case .scope(let keyId, let label, let current):
            return try scope(keyId: keyId, label: label, current: current, form, t)
        case .export(let month, let by):
            var path = form.value(0)
            guard !path.isEmpty else { throw ConsoleError(t(.fieldRequired, t(.govFieldPath))) }
            if path.hasPrefix("~/") { path = FileManager.default.homeDirectoryForCurrentUser.path + path.dropFirst() }
            return .load(.governance(.export(month: month, by: by, path: path)))
        }
    }

    private static func scope(keyId: Int64, label: String, current: KeyScope, _ form: FormModel,
                              _ t: Strings) throws(ConsoleError) -> FormOutcome {
        func list(_ text: String) -> [String] {
            text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        }
        var draft = ScopeDraft(keyId: keyId, keyLabel: label)
        var lines: [String] = []
        let any = t(.govAny)
        let models = list(form.value(0)), cidrs = list(form.value(2))
        if models != current.models {
            if models.isEmpty { draft.clear.append("models") } else { draft.models = models }
            lines.append(t(.govEffectModels, current.models.isEmpty ? any : current.models.joined(separator: ", "),
                           models.isEmpty ? any : models.joined(separator: ", ")))
        }
        let expiresText = form.value(1)
        let expires: Date?
        if expiresText.isEmpty {
            expires = nil
        } else {
            guard let date = GovernanceEffects.parseDay(expiresText) else { throw ConsoleError(t(.govBadDate, expiresText)) }
            guard date > Date() || date == current.expiresAt else { throw ConsoleError(t(.govWarnExpired)) }
            expires = date
        }
        if expires != current.expiresAt {
            if let expires { draft.expiresAt = expires } else { draft.clear.append("expiry") }
            lines.append(t(.govEffectExpires, current.expiresAt.map(GovernanceEffects.day) ?? t(.never),
                           expires.map(GovernanceEffects.day) ?? t(.never)))
        }
        if cidrs != current.cidrs {
            if cidrs.isEmpty { draft.clear.append("cidrs") } else { draft.cidrs = cidrs }
            lines.append(t(.govEffectCIDRs, current.cidrs.isEmpty ? any : current.cidrs.joined(separator: ", "),
                           cidrs.isEmpty ? any : cidrs.joined(separator: ", ")))
        }
        guard !lines.isEmpty else { throw ConsoleError(t(.govNothingChanged)) }
        return .confirm(title: t(.govConfirmScope, label), lines: lines, .governance(.setScope(draft)))
    }
}

/// The lines of the governance confirmations: what changes, and what the hub's preview says it does.
enum GovernanceEffects {
    static func budget(_ draft: BudgetDraft, _ status: BudgetStatus, before: BudgetStatus?, _ state: ConsoleState) -> [String] {
        let t = state.strings, unit = state.moneyUnit
        let period = t(BudgetBar.periodPhrase(draft.period))
        var lines = [t(.govEffectAmount, before.map { "\($0.amount) \(unit)" } ?? "–", "\(draft.amount) \(unit)", period)]
        lines.append(t(.govEffectSoft, before?.soft.map { "\($0)%" } ?? "–", draft.soft.map { "\($0)%" } ?? "–"))
        lines.append(t(.govEffectSpent, status.spent.description, draft.amount.description, unit))
        lines.append(BudgetBar.text(status, width: 20))
        if status.hardReached {
            lines.append(t(.govWarnRefusing, shortTime(status.resetsAt)))
        } else if status.softReached {
            lines.append(t(.govWarnSoft))
        } else {
            lines.append(t(.govAllowed, shortTime(status.resetsAt)))
        }
        return lines
    }

    static func limits(_ draft: LimitDraft, _ preview: LimitPreview, before: RateLimit?, _ t: Strings) -> [String] {
        func text(_ value: Int?) -> String { value.map(String.init) ?? "–" }
        var lines: [String] = []
        for (phrase, old, new) in [(Phrase.govFieldRPM, before?.rpm, draft.rpm), (.govFieldTPM, before?.tpm, draft.tpm),
                                   (.govFieldConcurrency, before?.concurrency, draft.concurrency)] {
            lines.append("\(t(phrase)): " + t(.effectChange, text(old), text(new ?? old)))
        }
        lines.append(t(.govLastMinute, String(preview.lastMinuteRequests), String(preview.lastMinuteTokens)))
        lines.append(preview.wouldRefuseNow ? t(.govWarnLimitRefusing) : t(.govLimitFits))
        return lines
    }

    static func shortTime(_ date: Date) -> String { ConsoleState.shortTime(date) }

    /// `YYYY-MM-DD` (UTC) of a key's expiry.
    static func day(_ date: Date) -> String { String(ConsoleState.shortTime(date).prefix(10)) }

    /// `YYYY-MM-DD` (midnight UTC) or a full ISO 8601 time.
    static func parseDay(_ text: String) -> Date? {
        if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
        return try? Date(text, strategy: .iso8601)
    }
}

/// A budget's use as a bar of `width` cells: filled to the share spent, the soft threshold marked
/// `│`, then the percentage and a glyph (⚠ past the soft threshold, ✗ exhausted), never colour alone.
enum BudgetBar {
    /// Spent per mille of the amount (capped at 9999).
    static func permille(_ status: BudgetStatus) -> Int {
        guard status.amount.isPositive else { return status.spent.isPositive ? 9_999 : 0 }
        let value = Int128(max(0, status.spent.nanos)) * 1_000 / Int128(status.amount.nanos)
        return Int(min(value, 9_999))
    }

    static func text(_ status: BudgetStatus, width: Int) -> String {
        let permille = permille(status)
        let filled = min(width, (permille * width + 500) / 1_000)
        var cells = Array(repeating: "█", count: filled) + Array(repeating: "·", count: width - filled)
        if let soft = status.soft, soft < 100 {
            let mark = min(width - 1, soft * width / 100)
            if mark >= filled { cells[mark] = "│" }
        }
        let glyph = status.hardReached ? " ✗" : status.softReached ? " ⚠" : ""
        return cells.joined() + " \(permille / 10)%" + glyph
    }

    static func role(_ status: BudgetStatus) -> Role {
        status.hardReached ? .statusError : status.softReached ? .statusWarn : .statusOk
    }

    static func periodPhrase(_ period: BudgetPeriod) -> Phrase {
        switch period {
        case .day: .govPeriodDay
        case .week: .govPeriodWeek
        case .month: .govPeriodMonth
        }
    }
}

/// Rate limits in one cell: `rpm/tpm/concurrent`, `–` for a limit not set.
enum LimitText {
    static func cell(_ limit: RateLimit?) -> String {
        guard let limit else { return "" }
        return [limit.rpm, limit.tpm, limit.concurrency].map { $0.map(compact) ?? "–" }.joined(separator: "/")
    }

    static func compact(_ value: Int) -> String {
        value >= 1_000_000 && value % 1_000_000 == 0 ? "\(value / 1_000_000)M"
            : value >= 1_000 && value % 1_000 == 0 ? "\(value / 1_000)k" : String(value)
    }

    static func line(_ limit: RateLimit, _ t: Strings) -> String {
        t(.govLimitsLine, limit.rpm.map(String.init) ?? "–", limit.tpm.map(String.init) ?? "–", limit.concurrency.map(String.init) ?? "–")
    }
}
