import Foundation
import HubCore

/// How a ``HubNotification`` travels over the admin socket: a JSON-RPC notification whose
/// method names the kind and whose params are the record, in the hub's JSON dialect.
///
/// | method | params |
/// |---|---|
/// | `usage.event` | a usage event (as in `usage.recent`) |
/// | `ledger.entry` | a ledger entry (as in `users.ledger`) |
/// | `config.changed` | an audit entry (as in `audit.list`) |
/// | `stats.tick` | the once-a-second stats |
/// | `subscription.dropped` | `{"reason": "..."}`: the last message before the hub closes the connection |
extension HubNotification {
    public static let usageMethod = "usage.event"
    public static let ledgerMethod = "ledger.entry"
    public static let configMethod = "config.changed"
    public static let statsMethod = "stats.tick"
    public static let droppedMethod = "subscription.dropped"

    private struct DropNotice: Codable { var reason: String }

    public var rpcMethod: String {
        switch self {
        case .usage: Self.usageMethod
        case .ledger: Self.ledgerMethod
        case .config: Self.configMethod
        case .stats: Self.statsMethod
        case .dropped: Self.droppedMethod
        }
    }

    /// The params JSON of this notification.
    public var rpcParams: Data {
        let encoder = HubJSON.encoder()
        // Encoding these records cannot fail: they hold only strings, numbers, dates and amounts.
        let data = switch self {
        case .usage(let event): try? encoder.encode(event)
        case .ledger(let entry): try? encoder.encode(entry)
        case .config(let entry): try? encoder.encode(entry)
        case .stats(let stats): try? encoder.encode(stats)
        case .dropped(let reason): try? encoder.encode(DropNotice(reason: reason))
        }
        return data ?? Data("{}".utf8)
    }

    /// The notification a `method` and `params` stand for; nil for a method this client does not know.
    public init?(rpcMethod: String, params: JSONValue?) throws(HubError) {
        let data = (params ?? .object([:])).jsonData
        let decoder = HubJSON.decoder()
        do {
            switch rpcMethod {
            case Self.usageMethod: self = .usage(try decoder.decode(UsageEvent.self, from: data))
            case Self.ledgerMethod: self = .ledger(try decoder.decode(LedgerEntry.self, from: data))
            case Self.configMethod: self = .config(try decoder.decode(AuditEntry.self, from: data))
            case Self.statsMethod: self = .stats(try decoder.decode(LiveStats.self, from: data))
            case Self.droppedMethod: self = .dropped(reason: try decoder.decode(DropNotice.self, from: data).reason)
            default: return nil
            }
        } catch {
            throw HubError(.internal, "the hub sent a \(rpcMethod) notification that does not decode: \(error)")
        }
    }
}
