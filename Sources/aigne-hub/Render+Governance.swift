import Foundation
import HubCore

extension Render {
    static func teams(_ teams: [TeamSummary]) -> String {
        var table = TextTable("ID", "NAME", "MEMBERS", "KEYS", "SPENT THIS MONTH", "DESCRIPTION", rightAligned: [0, 2, 3, 4])
        for t in teams {
            table.add("\(t.team.id ?? 0)", t.team.name, "\(t.members)", "\(t.keys)", t.spendThisMonth.description,
                      t.team.description ?? "-")
        }
        return table.rendered
    }

    static func teamDetail(_ d: TeamDetail) -> String {
        """
        \(d.team.name) (id \(d.team.id ?? 0))  \(d.team.description ?? "")

        Members: \(d.members.isEmpty ? "none" : d.members.map(\.name).joined(separator: ", "))

        Keys:
        \(keys(d.keys.map { key in (key, d.members.first { $0.id == key.userId }?.name ?? "#\(key.userId)") }))

        Budgets:
        \(budgets(d.budgets))

        Limits:
        \(limits(d.limits))
        """
    }

    static func subject(_ s: Subject) -> String { "\(s.kind.rawValue) \(s.name)" }

    static func budgets(_ budgets: [BudgetStatus]) -> String {
        var table = TextTable("ID", "SUBJECT", "PERIOD", "AMOUNT", "SPENT", "USED", "SOFT", "STATE", "RESETS", rightAligned: [0, 3, 4, 5, 6])
        for b in budgets {
            let used = b.amount.isPositive ? Double(b.spent.nanos) / Double(b.amount.nanos) * 100 : 0
            let state = b.hardReached ? "exceeded" : b.softReached ? "soft reached" : "ok"
            table.add("\(b.id)", subject(b.subject), b.period.rawValue, b.amount.description, b.spent.description,
                      String(format: "%.1f%%", used), b.soft.map { "\($0)%" } ?? "-", state, Show.date(b.resetsAt))
        }
        return table.rendered
    }

    static func limits(_ limits: [RateLimit]) -> String {
        var table = TextTable("ID", "SUBJECT", "RPM", "TPM", "CONCURRENCY", rightAligned: [0, 2, 3, 4])
        for l in limits {
            table.add("\(l.id)", subject(l.subject), l.rpm.map(String.init) ?? "-", l.tpm.map(String.init) ?? "-",
                      l.concurrency.map(String.init) ?? "-")
        }
        return table.rendered
    }

    static func keyScope(_ s: KeyScope) -> String {
        """
        key \(s.keyId)
        models    \(s.models.isEmpty ? "any" : s.models.joined(separator: " "))
        expires   \(s.expiresAt.map { Show.date($0) } ?? "never")
        addresses \(s.cidrs.isEmpty ? "any" : s.cidrs.joined(separator: " "))
        """
    }
}

extension Render {
    static func defaultLimits(_ d: DefaultKeyLimits) -> String {
        func text(_ v: LimitValues?) -> String {
            guard let v, !v.isEmpty else { return "none" }
            return [v.rpm.map { "\($0) rpm" }, v.tpm.map { "\($0) tpm" }, v.concurrency.map { "\($0) at once" }]
                .compactMap { $0 }.joined(separator: ", ")
        }
        return "service-provider: \(text(d.serviceProvider)); enterprise: \(text(d.enterprise))"
    }
}
