import Foundation
import GRDB

/// What switching the deployment mode would change, computed from the live database.
public struct ModeSwitchPreview: Codable, Sendable, Equatable {
    public var from: DeploymentMode
    public var to: DeploymentMode
    /// Active users in all.
    public var activeUsers: Int
    /// Active users whose balance is zero or less: refused once credits are enforced.
    public var usersWithoutBalance: Int
    /// Credits held by all users: untouched by a switch either way.
    public var outstandingCredits: Amount
    /// Models with a current rate.
    public var pricedModels: Int
    /// Models called in the last 30 days that have no current rate (`provider/model`).
    public var modelsWithoutRate: [String]
    /// The consequences as codes and parameters, one per line: the console shows them in its language
    /// before confirming.
    public var notes: [HubText]
    /// The same in English (what the CLI prints).
    public var consequences: [String]
}

extension Admin {
    /// `mode.get`: the mode and the service-provider settings (`aigne-hub admin settings get` too).
    public struct ModeGet: AdminMethod {
        public static let name = "mode.get"
        public static let mutates = false
        public init() {}
        public func run(_ context: AdminContext) async throws -> HubSettings {
            try await context.read { db in try Settings.current(db) }
        }
    }

    /// `mode.preview`: what `mode.set` to `mode` would change. Changes nothing.
    public struct ModePreview: AdminMethod {
        public static let name = "mode.preview"
        public static let mutates = false
        public var mode: DeploymentMode
        public init(mode: DeploymentMode) { self.mode = mode }
        public func run(_ context: AdminContext) async throws -> ModeSwitchPreview {
            try await context.read { db in try Settings.preview(db, to: mode) }
        }
    }

    /// `mode.set`: switches the deployment mode. Never touches a balance; audited.
    public struct ModeSet: AdminMethod {
        public static let name = "mode.set"
        public var mode: DeploymentMode
        public init(mode: DeploymentMode) { self.mode = mode }
        public func run(_ context: AdminContext) async throws -> HubSettings {
            try await context.write { db in
                let before = try Settings.current(db)
                guard before.mode != mode else { return before }
                var after = before
                after.mode = mode
                after.updatedAt = Date()
                try after.update(db)
                try context.audit(db, "mode.set", target: "settings", before: before, after: after)
                return after
            }
        }
    }

    /// `settings.get`: the same as `mode.get`, under the name scripts of the settings look for.
    public struct SettingsGet: AdminMethod {
        public static let name = "settings.get"
        public static let mutates = false
        public init() {}
        public func run(_ context: AdminContext) async throws -> HubSettings { try await ModeGet().run(context) }
    }

    /// `settings.set`: changes the service-provider settings given; the others stay.
    public struct SettingsSet: AdminMethod {
        public static let name = "settings.set"
        public var starterCreditsEnabled: Bool?
        public var starterCredits: Amount?
        /// An http(s) URL, or the empty string to remove it.
        public var paymentLink: String?
        public var lowBalanceThreshold: Amount?
        public var allowUnpricedModels: Bool?
        /// Governance (issue 12): the IANA time zone of budget periods, refused key checks per
        /// client address per minute (0: no limit), and the default limits of keys per mode.
        public var governanceTimeZone: String?
        public var unauthenticatedRpm: Int?
        public var defaultKeyLimits: DefaultKeyLimits?
        /// Days until starter credits expire (1-3650); 0 makes them never expire.
        public var starterCreditsExpireDays: Int?

        public init(
            starterCreditsEnabled: Bool? = nil, starterCredits: Amount? = nil, paymentLink: String? = nil,
            lowBalanceThreshold: Amount? = nil, allowUnpricedModels: Bool? = nil, governanceTimeZone: String? = nil,
            unauthenticatedRpm: Int? = nil, defaultKeyLimits: DefaultKeyLimits? = nil, starterCreditsExpireDays: Int? = nil
        ) {
            self.starterCreditsExpireDays = starterCreditsExpireDays
            self.starterCreditsEnabled = starterCreditsEnabled
            self.starterCredits = starterCredits
            self.paymentLink = paymentLink
            self.lowBalanceThreshold = lowBalanceThreshold
            self.allowUnpricedModels = allowUnpricedModels
            self.governanceTimeZone = governanceTimeZone
            self.unauthenticatedRpm = unauthenticatedRpm
            self.defaultKeyLimits = defaultKeyLimits
        }

        public func run(_ context: AdminContext) async throws -> HubSettings {
            let starter = try starterCredits.map { amount throws(HubError) in try Validate.nonNegative(amount, "starter credits") }
            let threshold = try lowBalanceThreshold.map { amount throws(HubError) in try Validate.nonNegative(amount, "low-balance threshold") }
            let link: String?? = try paymentLink.map { text throws(HubError) in
                text.trimmingSpaces.isEmpty ? String?.none : try Validate.url(text)
            }
            if let days = starterCreditsExpireDays, !(0...3_650).contains(days) {
                throw HubError.invalid("starter credits expire after 1 to 3650 days (0: never), not \(days)")
            }
            if let governanceTimeZone { _ = try BudgetCalendar(identifier: governanceTimeZone) }
            if let unauthenticatedRpm, unauthenticatedRpm < 0 {
                throw HubError.invalid("unauthenticated rpm must not be negative, got \(unauthenticatedRpm)")
            }
            for values in [defaultKeyLimits?.serviceProvider, defaultKeyLimits?.enterprise].compactMap({ $0 }) {
                _ = try LimitDraft.validate(values)
            }
            return try await context.write { db in
                let before = try Settings.current(db)
                var after = before
                if let governanceTimeZone { after.governanceTimeZone = governanceTimeZone }
                if let unauthenticatedRpm { after.unauthenticatedRpm = unauthenticatedRpm }
                if let defaultKeyLimits { after.defaultKeyLimits = defaultKeyLimits }
                if let days = starterCreditsExpireDays { after.starterCreditsExpireDays = days == 0 ? nil : days }
                if let starterCreditsEnabled { after.starterCreditsEnabled = starterCreditsEnabled }
                if let starter { after.starterCredits = starter }
                if let link { after.paymentLink = link }
                if let threshold { after.lowBalanceThreshold = threshold }
                if let allowUnpricedModels { after.allowUnpricedModels = allowUnpricedModels }
                guard after != before else { return before }
                after.updatedAt = Date()
                try after.update(db)
                try context.audit(db, "settings.set", target: "settings", before: before, after: after)
                return after
            }
        }
    }
}

enum Settings {
    static func current(_ db: StoreDB) throws -> HubSettings {
        guard let settings = try HubSettings.fetchOne(db) else {
            throw HubError(.storage, "the settings row is missing: the database was not created by `aigne-hub init`")
        }
        return settings
    }

    static func preview(_ db: StoreDB, to target: DeploymentMode) throws -> ModeSwitchPreview {
        let settings = try current(db)
        let active = UserStatus.active.rawValue
        let activeUsers = try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE status = ?", arguments: [active]) ?? 0
        let withoutBalance = try Int.fetchOne(
            db, sql: "SELECT count(*) FROM users WHERE status = ? AND balance <= 0", arguments: [active]) ?? 0
        let outstanding = try Amount.fetchOne(db, sql: "SELECT COALESCE(SUM(balance), 0) FROM users") ?? .zero
        let priced = try Int.fetchOne(db, sql: "SELECT count(*) FROM model_rates WHERE valid_to IS NULL") ?? 0
        let unpriced = try UsageRollup.unpricedModels(db, since: Date().addingTimeInterval(-30 * 86_400))

        var notes: [HubText] = []
        if settings.mode == target {
            notes.append(HubText(.modeAlready, target.rawValue))
        } else if target == .serviceProvider {
            notes.append(HubText(.modeCallsCharged))
            notes.append(HubText(.modeUsersWithoutBalance, String(withoutBalance), String(activeUsers)))
            if settings.allowUnpricedModels {
                notes.append(HubText(.modeUnpricedStayFree))
            } else if unpriced.isEmpty {
                notes.append(HubText(.modeNoUnpricedModels))
            } else {
                notes.append(HubText(.modeUnpricedRefused, String(unpriced.count),
                                     unpriced.prefix(5).joined(separator: ", ") + (unpriced.count > 5 ? ", …" : "")))
            }
            notes.append(settings.starterCreditsEnabled ? HubText(.modeStarterCredits, settings.starterCredits.description)
                                                        : HubText(.modeStarterOff))
            notes.append(HubText(.modeInFlightFinish, settings.mode.rawValue))
        } else {
            notes.append(HubText(.modeCreditChecksStop))
            notes.append(HubText(.modeBalancesKept, outstanding.description))
            notes.append(HubText(.modeNoticesOff))
        }
        return ModeSwitchPreview(
            from: settings.mode, to: target, activeUsers: activeUsers, usersWithoutBalance: withoutBalance,
            outstandingCredits: outstanding, pricedModels: priced, modelsWithoutRate: unpriced, notes: notes,
            consequences: notes.map(\.english))
    }
}
