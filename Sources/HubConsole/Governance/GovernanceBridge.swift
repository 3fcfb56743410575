import Foundation
import HubCore

/// The governance part of ``HubBridge``: the same connection, the same error handling.
extension HubBridge {
    func load(_ query: GovernanceQuery) async -> HubEvent {
        do throws(HubError) {
            return .governance(try await governanceAnswer(query))
        } catch where query == .overview {
            return .governance(.unsupported(error))
        } catch {
            return .refused(error)
        }
    }

    private func governanceAnswer(_ query: GovernanceQuery) async throws(HubError) -> GovernanceEvent {
        switch query {
        case .overview:
            return .overview(GovernanceOverview(
                teams: try await connection.call(Admin.TeamsList()),
                budgets: try await connection.call(Admin.BudgetsList()),
                limits: try await connection.call(Admin.LimitsList()),
                memberships: try await connection.call(Admin.TeamsMemberships())))
        case .teamDetail(let team):
            return .teamDetail(try await connection.call(Admin.TeamsShow(team: team)))
        case .chargeback(let month, let by):
            return .chargeback(try await connection.call(Admin.ReportChargeback(month: month, by: by)))
        case .export(let month, let by, let path):
            let report = try await connection.call(Admin.ReportChargeback(month: month, by: by))
            let url = URL(fileURLWithPath: path)
            do {
                try ReportCSV.chargeback(report).write(to: url, options: .atomic)
            } catch {
                throw HubError(.storage, "cannot write \(url.path): \(error.localizedDescription)")
            }
            return .exported(path: url.standardizedFileURL.path, rows: report.rows.count)
        case .budgetPreview(let draft):
            let (key, user, team) = draft.subject.parameters
            let status = try await connection.call(Admin.BudgetsPreview(key: key, user: user, team: team, amount: draft.amount,
                                                                        period: draft.period, soft: draft.soft))
            return .budgetPreview(draft, status)
        case .limitPreview(let draft):
            let (key, user, team) = draft.subject.parameters
            let preview = try await connection.call(Admin.LimitsPreview(key: key, user: user, team: team, rpm: draft.rpm,
                                                                        tpm: draft.tpm, concurrency: draft.concurrency))
            return .limitPreview(draft, preview)
        case .keyScope(let keyId, let label):
            return .keyScope(keyId: keyId, label: label, try await connection.call(Admin.KeysScopes(key: String(keyId))))
        }
    }

    /// Budgets, limits and scopes are set, not added: sending one twice leaves the same state, so an
    /// answer lost on the way is resent like a money move.
    func perform(_ change: GovernanceChange) async throws(HubError) {
        switch change {
        case .setBudget(let draft):
            let (key, user, team) = draft.subject.parameters
            _ = try await sendOnce(Admin.BudgetsSet(key: key, user: user, team: team, amount: draft.amount,
                                                     period: draft.period, soft: draft.soft))
        case .setLimits(let draft):
            let (key, user, team) = draft.subject.parameters
            _ = try await sendOnce(Admin.LimitsSet(key: key, user: user, team: team, rpm: draft.rpm, tpm: draft.tpm,
                                                    concurrency: draft.concurrency))
        case .setScope(let draft):
            _ = try await sendOnce(Admin.KeysScope(key: String(draft.keyId), models: draft.models, expiresAt: draft.expiresAt,
                                                    cidrs: draft.cidrs, clear: draft.clear.isEmpty ? nil : draft.clear))
        }
    }
}

extension SubjectRef {
    /// The flattened subject of the admin methods: exactly one of key, user, team.
    var parameters: (key: String?, user: String?, team: String?) {
        switch kind {
        case .key: (reference, nil, nil)
        case .user: (nil, reference, nil)
        case .team: (nil, nil, reference)
        }
    }
}
