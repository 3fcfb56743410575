import Foundation
import HubAdmin
import HubCore

/// Hub answers and notifications, folded into the state.
extension ConsoleState {
    public mutating func apply(_ event: HubEvent) -> [Effect] {
        switch event {
        case .settings(let settings): data.settings = settings
        case .providers(let providers): data.providers = providers
        case .credentials(let credentials): data.credentials = credentials
        case .users(let users):
            data.users = users
            if filters[.users] == nil { searchedUsers = false }
        case .userDetail(let detail): data.userDetail = detail
        case .rates(let rates): data.rates = rates
        case .unpriced(let models): data.unpriced = models
        case .nodes(let database, let nodes): data.cluster = (database, nodes)
        case .billing(let answer): return apply(answer)
        case .preview(let preview):
            guard !readOnly else { return [] }
            confirm(strings(.confirmModeTitle, preview.from.rawValue, preview.to.rawValue),
                    preview.notes.map { "• " + strings($0) } + ["", strings(.typeToConfirm, preview.to.rawValue)],
                    .setMode(preview.to), requiredWord: preview.to.rawValue)
            return []
        case .history(let model, let rates):
            modal = .message(title: strings(.historyTitle, model), lines: rates.map { info in
                let until = info.rate.validTo.map { Self.shortTime($0) } ?? strings(.current)
                let margin = info.marginPercent.map { $0 + "%" } ?? "–"
                return "\(Self.shortTime(info.rate.validFrom)) → \(until)  \(info.rate.inputRate)/\(info.rate.outputRate)  "
                    + "\(strings(.margin)) \(margin)"
            })
            return []
        case .performed(let mutation):
            setStatus("✓ " + describe(mutation), .ok)
            var reloads = mutation.reloads.map { $0 == .users ? usersQuery : $0 }
            if let openUser, !reloads.contains(.userDetail(openUser)) { reloads.append(.userDetail(openUser)) }
            return reloads.map(Effect.load)
        case .createdKey(let created):
            modal = .message(title: strings(.keyCreatedTitle, created.userName),
                             lines: [created.secret, "", strings(.keyShownOnce)])
            return [.load(.userDetail(created.userName))]
        case .failed(let message):
            setStatus("✗ " + message, .error)
            return []
        case .refused(let error):
            setStatus("✗ " + strings.error(error), .error)
            if case .form(var model)? = modal, case .billing = model.purpose {  // its preview was refused: say so in the form
                model.error = strings.error(error)
                modal = .form(model)
            }
            return []
        case .notification(let notification):
            return apply(notification)
        case .themeChanged(let theme):
            themeName = theme.name
            setStatus("✓ " + strings(.themeSet, theme.name), .ok)
            return []
        case .tick(let date):
            now = date
            guard date >= nodesDueAt else { return [] }
            nodesDueAt = date.addingTimeInterval(Self.nodesInterval)
            return [.load(.nodes)]
        case .governance(let event):
            return apply(event)
        }
        data.updatedAt = now
        return []
    }

    private mutating func apply(_ notification: HubNotification) -> [Effect] {
        switch notification {
        case .config(let entry):
            let area = entry.action.split(separator: ".").first.map(String.init) ?? ""
            switch area {
            case "mode", "settings": return [.load(.settings)]
            case "users", "keys": return [.load(usersQuery), .load(.governance(.overview))] + (openUser.map { [.load(.userDetail($0))] } ?? [])
            case "teams", "budgets", "limits": return governanceRefresh()
            case "providers", "credentials": return [.load(.providers), .load(.credentials)]
            case "rates": return [.load(.rates), .load(.unpriced)]
            case "packages", "plans", "subscriptions", "payments", "codes", "notice_endpoints": return billingLoads
            default: return []
            }
        case .stats:
            statsTicks += 1
            data.live.apply(notification)
            // Balances, last-used times and provider health move with the traffic: refresh what the
            // pane shows every 5 s.
            if statsTicks % 5 == 0 { return liveRefresh() }
        case .dropped(let reason):
            setStatus("✗ " + strings(.liveDropped, reason), .error)
        case .usage, .ledger:
            data.live.apply(notification)
            // A payment arrived (a webhook) or was refunded: the billing panes show it at once.
            if case .ledger(let entry) = notification, [.purchase, .refund].contains(entry.kind) { return billingLoads }
        }
        return []
    }

    /// The loads that keep the current pane current under live traffic.
    func liveRefresh() -> [Effect] {
        switch pane {
        case .users: [.load(usersQuery), .load(.governance(.overview))] + (openUser.map { [.load(.userDetail($0))] } ?? [])
        case .providers: [.load(.providers), .load(.credentials)]
        case .teams: governanceRefresh()
        case .billing, .revenue: billingLoads
        case .mode, .pricing, .live: []
        }
    }

    /// The status-line text of a completed change.
    func describe(_ mutation: Mutation) -> String {
        switch mutation {
        case .setMode(let mode): strings(.doneMode, mode.rawValue)
        case .setting: strings(.doneSetting)
        case .addUser(let name, _): strings(.doneAddUser, name)
        case .grant(let user, let amount, _, _): strings(.doneGrant, amount.description, user)
        case .deduct(let user, let amount, _, _): strings(.doneDeduct, amount.description, user)
        case .suspend(let user): strings(.doneSuspend, user)
        case .resume(let user): strings(.doneResume, user)
        case .createKey(let user, _): strings(.doneCreateKey, user)
        case .revokeKey(_, let prefix): strings(.doneRevoke, prefix)
        case .addProvider(let name, _, _): strings(.doneAddProvider, name)
        case .updateProvider(let name, _, _, _): strings(.doneUpdated, name)
        case .setProviderEnabled(let name, let on): strings(on ? .doneEnabled : .doneDisabled, name)
        case .removeProvider(let name): strings(.doneRemoved, name)
        case .addCredential(let provider, let name, _, _): strings(.doneAddCredential, "\(provider)/\(name)")
        case .setCredentialEnabled(let provider, let name, let on): strings(on ? .doneEnabled : .doneDisabled, "\(provider)/\(name)")
        case .removeCredential(let provider, let name): strings(.doneRemoved, "\(provider)/\(name)")
        case .setRate(let change): strings(.doneRate, change.model)
        case .removeRate(let model, _): strings(.doneRemoved, model)
        case .governance(let change): describe(change)
        case .billing(let change): describe(change)
        }
    }

    static func shortTime(_ date: Date) -> String {
        String(date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false)).prefix(16))
            .replacingOccurrences(of: "T", with: " ")
    }
}
