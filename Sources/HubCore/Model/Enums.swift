import GRDB

/// How the hub treats money. See docs/architecture.md: enterprise tracks cost for chargeback; service
/// provider charges every call to the caller's prepaid balance.
public enum DeploymentMode: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case enterprise
    case serviceProvider = "service-provider"

    public init(parsing text: String) throws(HubError) {
        switch text.lowercased() {
        case "enterprise", "enterprise-self-hosting", "self-hosting": self = .enterprise
        case "service-provider", "service_provider", "serviceprovider", "sp": self = .serviceProvider
        default:
            throw HubError.invalid("unknown mode '\(text)': use enterprise or service-provider")
        }
    }
}

/// The wire protocol a provider speaks.
public enum ProviderKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// OpenAI, DeepSeek, OpenRouter, xAI, Ollama, ...: chosen by base URL.
    case openAICompatible = "openai-compatible"
    case anthropic
    case gemini
}

public enum ModelType: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case chat, embedding, image
}

public enum UserStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case active, suspended
}

/// Why a balance moved. Positive kinds add credits; `usage` subtracts; `adjustment` may do either.
public enum LedgerKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case grant, purchase, usage, adjustment, refund
}

/// Where a usage event's token counts came from.
public enum UsageSource: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// The upstream's own `usage` report.
    case upstream
    /// The hub's estimate: the upstream gave none.
    case estimated
    /// The stream ended early (client gone, upstream cut): counts up to that point.
    case partial
    /// Settled at start-up from a hold a previous run left open (it crashed mid-request).
    case recovered
}

extension Amount: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { nanos.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Amount? {
        Int64.fromDatabaseValue(dbValue).map(Amount.init(nanos:))
    }
}
