import Foundation
import HubCore

/// Human-readable text of admin results (`--json` bypasses these).
enum Render {
    static func settings(_ s: HubSettings) -> String {
        let expiry = s.starterCreditsExpireDays.map { ", expiring after \($0) days" } ?? ""
        return """
        mode                    \(s.mode.rawValue)
        starter credits         \(s.starterCreditsEnabled ? "on, \(s.starterCredits) per new user\(expiry)" : "off")
        payment link            \(s.paymentLink ?? "-")
        low-balance threshold   \(s.lowBalanceThreshold)
        unpriced models         \(s.allowUnpricedModels ? "callable (free)" : "refused in service-provider mode")
        budget time zone        \(s.governanceTimeZone)
        bad keys per address    \(s.unauthenticatedRpm == 0 ? "no limit" : "\(s.unauthenticatedRpm) a minute")
        default key limits      \(defaultLimits(s.defaultKeyLimits))
        updated                 \(Show.date(s.updatedAt))
        """
    }

    static func preview(_ p: ModeSwitchPreview) -> String {
        var lines = ["Switch \(p.from.rawValue) → \(p.to.rawValue):"]
        lines += p.consequences.map { "  • " + $0 }
        lines.append("  active users \(p.activeUsers), with zero balance \(p.usersWithoutBalance); priced models \(p.pricedModels)")
        return lines.joined(separator: "\n")
    }

    static func users(_ users: [User]) -> String {
        var table = TextTable("ID", "NAME", "EMAIL", "STATUS", "BALANCE", "CREATED", rightAligned: [0, 4])
        for u in users {
            table.add("\(u.id ?? 0)", u.name, u.email ?? "-", u.status.rawValue, u.balance.formatted(places: 4), Show.date(u.createdAt))
        }
        return table.rendered
    }

    static func userDetail(_ d: UserDetail) -> String {
        let u = d.user
        return """
            \(u.name) (id \(u.id ?? 0))  \(u.status.rawValue)  \(u.email ?? "")
            balance \(u.balance)   spent this month \(d.spendThisMonth) in \(d.requestsThisMonth) requests

            API keys:
            \(keys(d.keys.map { ($0, u.name) }))

            Recent ledger:
            \(ledger(d.recentLedger))
            """
    }

    static func ledgerEntry(_ e: LedgerEntry) -> String {
        "Ledger entry #\(e.id ?? 0): \(e.kind.rawValue) \(e.amount.isNegative ? "" : "+")\(e.amount), balance now \(e.balanceAfter)."
    }

    static func ledger(_ entries: [LedgerEntry]) -> String {
        var table = TextTable("ID", "TIME", "KIND", "AMOUNT", "BALANCE", "ACTOR", "REASON", rightAligned: [0, 3, 4])
        for e in entries {
            table.add("\(e.id ?? 0)", Show.date(e.createdAt), e.kind.rawValue, e.amount.description, e.balanceAfter.description, e.actor, e.reason)
        }
        return table.rendered
    }

    static func keys(_ keys: [APIKeyInfo]) -> String { self.keys(keys.map { ($0.key, $0.userName) }) }

    static func keys(_ keys: [(APIKey, String)]) -> String {
        var table = TextTable("ID", "USER", "NAME", "PREFIX", "CREATED", "LAST USED", "STATUS", rightAligned: [0])
        for (k, user) in keys {
            table.add("\(k.id ?? 0)", user, k.name, k.prefix + "…", Show.date(k.createdAt), Show.date(k.lastUsedAt),
                      k.isRevoked ? "revoked" : "active")
        }
        return table.rendered
    }

    static func providers(_ providers: [ProviderInfo]) -> String {
        var table = TextTable("ID", "NAME", "KIND", "BASE URL", "ENABLED", "CREDENTIALS", rightAligned: [0])
        for p in providers {
            table.add("\(p.provider.id ?? 0)", p.provider.name, p.provider.kind.rawValue, p.provider.baseURL,
                      Show.flag(p.provider.enabled), "\(p.enabledCredentials)/\(p.credentials) enabled")
        }
        return table.rendered
    }

    static func credentials(_ credentials: [CredentialInfo]) -> String {
        var table = TextTable("ID", "PROVIDER", "NAME", "SECRET", "WEIGHT", "ENABLED", "LAST USED", "LAST ERROR", rightAligned: [0, 4])
        for c in credentials {
            table.add("\(c.id)", c.provider, c.name, c.secretMasked, "\(c.weight)", Show.flag(c.enabled), Show.date(c.lastUsedAt), c.lastError ?? "-")
        }
        return table.rendered
    }

    static func rates(_ rates: [RateInfo]) -> String {
        var table = TextTable("MODEL", "TYPE", "IN/1M", "OUT/1M", "CACHED/1M", "CACHE WRITE/1M", "COST IN", "COST OUT", "MARGIN",
                              "FROM", "TO", rightAligned: [2, 3, 4, 5, 6, 7, 8])
        for r in rates {
            let rate = r.rate
            // "=in": priced as input (no price of its own).
            table.add(r.model, rate.type.rawValue, rate.inputRate.description, rate.outputRate.description,
                      rate.cachedInputRate?.description ?? "=in", rate.cacheWriteRate?.description ?? "=in",
                      rate.inputCost.description, rate.outputCost.description,
                      r.marginPercent.map { $0 + "%" } ?? "-", Show.date(rate.validFrom), rate.validTo.map { Show.date($0) } ?? "current")
        }
        return table.rendered
    }

    static func usageSummary(_ rows: [UsageSummaryRow]) -> String {
        var table = TextTable("GROUP", "REQUESTS", "ERRORS", "TOKENS IN", "TOKENS OUT", "CREDITS", "COST USD", "AVG MS",
                              rightAligned: [1, 2, 3, 4, 5, 6, 7])
        for r in rows {
            table.add(r.group, "\(r.requests)", "\(r.errors)", "\(r.tokensIn)", "\(r.tokensOut)", r.creditsCharged.formatted(places: 6),
                      r.providerCost.formatted(places: 6), String(format: "%.1f", r.averageLatencyMs))
        }
        return table.rendered
    }

    static func usageEvents(_ events: [UsageEvent]) -> String {
        var table = TextTable("ID", "TIME", "USER", "MODEL", "IN", "OUT", "CREDITS", "MS", "STATUS", "SOURCE", rightAligned: [0, 4, 5, 6, 7])
        for e in events {
            table.add("\(e.id ?? 0)", Show.date(e.createdAt), e.userId.map(String.init) ?? "-", e.model, "\(e.tokensIn)", "\(e.tokensOut)",
                      e.creditsCharged.description, String(format: "%.1f", e.latencyMs), "\(e.status)", e.usageSource.rawValue)
        }
        return table.rendered
    }

    static func audit(_ entries: [AuditEntry]) -> String {
        var table = TextTable("ID", "TIME", "ACTOR", "ACTION", "TARGET", rightAligned: [0])
        for e in entries {
            table.add("\(e.id ?? 0)", Show.date(e.createdAt), e.actor, e.action, e.target)
        }
        return table.rendered
    }
}
