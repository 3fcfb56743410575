import HubAdmin
import HubCore

/// Carries out the state machine's loads and changes over a ``HubConnection`` and reports each
/// outcome as a ``HubEvent``. Hub errors become `.refused` events (shown in the status line).
struct HubBridge: Sendable {
    let connection: any HubConnection
    let readOnly: Bool

    func load(_ query: Query) async -> HubEvent {
        do throws(HubError) {
            switch query {
            case .settings: return .settings(try await connection.call(Admin.ModeGet()))
            case .nodes:
                let status = try await connection.call(Admin.HubStatus())
                return .nodes(status.database, status.nodes)
            case .providers: return .providers(try await connection.call(Admin.ProvidersHealth()))
            case .credentials: return .credentials(try await connection.call(Admin.CredentialsList()))
            case .users: return .users(try await connection.call(Admin.UsersSummaries(limit: ConsoleState.userListLimit)))
            case .userSearch(let text):
                return .users(try await connection.call(Admin.UsersSummaries(filter: text, limit: ConsoleState.userListLimit)))
            case .lowBalanceUsers:
                return .users(try await connection.call(Admin.UsersSummaries(limit: ConsoleState.userListLimit, lowBalance: true)))
            case .userDetail(let user): return .userDetail(try await connection.call(Admin.UsersShow(user: user)))
            case .rates: return .rates(try await connection.call(Admin.RatesList()))
            case .unpriced: return .unpriced(try await connection.call(Admin.RatesUnpriced()))
            case .modePreview(let mode): return .preview(try await connection.call(Admin.ModePreview(mode: mode)))
            case .rateHistory(let model): return .history(model: model, try await connection.call(Admin.RatesHistory(model: model)))
            case .governance(let query): return await load(query)
            case .billing(let query): return try await load(query)
            }
        } catch {
            return .refused(error)
        }
    }

    func perform(_ mutation: Mutation) async -> HubEvent {
        // The state machine never asks in read-only mode; this is the second lock on the door.
        guard !readOnly else { return .failed("read-only: \(mutation) refused") }
        do throws(HubError) {
            switch mutation {
            case .setMode(let mode): _ = try await connection.call(Admin.ModeSet(mode: mode))
            case .setting(let change): _ = try await connection.call(change.method)
            case .addUser(let name, let email): _ = try await connection.call(Admin.UsersAdd(name: name, email: email))
            case .grant(let user, let amount, let reason, let key):
                _ = try await sendOnce(Admin.UsersGrant(user: user, amount: amount, reason: reason, idempotencyKey: key))
            case .deduct(let user, let amount, let reason, let key):
                _ = try await sendOnce(Admin.UsersDeduct(user: user, amount: amount, reason: reason, idempotencyKey: key))
            case .suspend(let user): _ = try await connection.call(Admin.UsersSuspend(user: user))
            case .resume(let user): _ = try await connection.call(Admin.UsersResume(user: user))
            case .createKey(let user, let name):
                return .createdKey(try await connection.call(Admin.KeysCreate(user: user, name: name)))
            case .revokeKey(let id, _): _ = try await connection.call(Admin.KeysRevoke(key: String(id)))
            case .addProvider(let name, let kind, let baseURL):
                _ = try await connection.call(Admin.ProvidersAdd(name: name, kind: kind, baseUrl: baseURL))
            case .updateProvider(let name, let kind, let baseURL, let displayName):
                _ = try await connection.call(Admin.ProvidersUpdate(provider: name, kind: kind, baseUrl: baseURL, displayName: displayName))
            case .setProviderEnabled(let name, let on):
                if on { _ = try await connection.call(Admin.ProvidersEnable(provider: name)) } else {
                    _ = try await connection.call(Admin.ProvidersDisable(provider: name))
                }
            case .removeProvider(let name): _ = try await connection.call(Admin.ProvidersRemove(provider: name))
            case .addCredential(let provider, let name, let secret, let weight):
                _ = try await connection.call(Admin.CredentialsAdd(provider: provider, name: name, secret: secret, weight: weight))
            case .setCredentialEnabled(let provider, let credential, let on):
                if on { _ = try await connection.call(Admin.CredentialsEnable(provider: provider, credential: credential)) } else {
                    _ = try await connection.call(Admin.CredentialsDisable(provider: provider, credential: credential))
                }
            case .removeCredential(let provider, let credential):
                _ = try await connection.call(Admin.CredentialsRemove(provider: provider, credential: credential))
            case .setRate(let change): _ = try await connection.call(change.method)
            case .removeRate(let model, let type): _ = try await connection.call(Admin.RatesRemove(model: model, type: type))
            case .governance(let change): try await perform(change)
            case .billing(let change): return try await perform(change)
            }
            return .performed(mutation)
        } catch {
            return .refused(error)
        }
    }

    /// Pauses before each resend of a money move whose answer was lost.
    static let resendDelays: [Duration] = [.milliseconds(200), .seconds(1), .seconds(3)]

    /// Sends a change that carries an idempotency key until the hub answers. An answer lost on the
    /// way (`unavailable`: the connection dropped, or the hub was briefly away) is resent with the same
    /// key; `duplicate` means an earlier send was applied, which is the outcome asked for (nil: its
    /// result went with the lost answer).
    func sendOnce<M: AdminMethod>(_ method: M) async throws(HubError) -> M.Result? {
        var delays = Self.resendDelays[...]
        while true {
            do throws(HubError) {
                return try await connection.call(method)
            } catch where error.code == .duplicate {
                return nil
            } catch where error.code == .unavailable && !delays.isEmpty {
                try? await Task.sleep(for: delays.removeFirst())
            }
        }
    }
}
