/// One admin operation: its parameters are the value's properties, its name is the admin
/// protocol's method name (`area.verb`), and `run` carries it out.
///
/// The same value travels over the admin socket as JSON-RPC `params` and is run in-process by
/// ``AdminService/perform(_:actor:)``, so every surface (CLI, console, socket) shares one
/// implementation and one set of errors.
public protocol AdminMethod: Codable, Sendable {
    associatedtype Result: Codable & Sendable
    /// The protocol name, e.g. `"users.grant"`.
    static var name: String { get }
    /// True when the operation changes state (refused by read-only clients).
    static var mutates: Bool { get }
    /// Validates, applies in one transaction and audits.
    func run(_ context: AdminContext) async throws -> Result
}

extension AdminMethod {
    public static var mutates: Bool { true }
}

/// An empty result, for operations that return nothing but success.
public struct Done: Codable, Sendable, Equatable {
    public var ok = true
    public init() {}
}

/// Namespace of every admin operation, grouped by area in the files beside this one.
public enum Admin {
    /// Every operation, by protocol name: the dispatch table of the admin socket.
    public static let methods: [any AdminMethod.Type] = [
        ModeGet.self, ModePreview.self, ModeSet.self, SettingsGet.self, SettingsSet.self,
        UsersAdd.self, UsersList.self, UsersShow.self, UsersSuspend.self, UsersResume.self,
        UsersGrant.self, UsersDeduct.self, UsersLedger.self,
        KeysCreate.self, KeysList.self, KeysRevoke.self,
        ProvidersAdd.self, ProvidersList.self, ProvidersUpdate.self, ProvidersEnable.self,
        ProvidersDisable.self, ProvidersRemove.self,
        CredentialsAdd.self, CredentialsList.self, CredentialsUpdate.self, CredentialsEnable.self, CredentialsDisable.self,
        CredentialsRemove.self,
        RatesSet.self, RatesList.self, RatesRemove.self, RatesHistory.self,
        UsageSummary.self, UsageRecent.self, AuditList.self, UsersSummaries.self, ProvidersHealth.self, RatesUnpriced.self,
        PackagesAdd.self, PackagesList.self, PackagesUpdate.self, PackagesDisable.self, PaymentsList.self,
        PaymentsResolve.self, WebhookSecretsAdd.self, WebhookSecretsList.self, WebhookSecretsRemove.self,
        CodesCreate.self, CodesList.self, CodesDisable.self, CodesRedeem.self, PlansAdd.self, PlansList.self,
        PlansUpdate.self, PlansDisable.self, SubscriptionsStart.self, SubscriptionsCancel.self, SubscriptionsList.self,
        NoticeEndpointsAdd.self, NoticeEndpointsList.self, NoticeEndpointsRemove.self, NoticesList.self, RevenueSummary.self,
        TeamsAdd.self, TeamsList.self, TeamsShow.self, TeamsRemove.self, TeamsAddMember.self, TeamsRemoveMember.self,
        KeysSetTeam.self, KeysScope.self, KeysScopes.self, BudgetsSet.self, BudgetsPreview.self, BudgetsList.self,
        BudgetsRemove.self, LimitsSet.self, LimitsPreview.self, LimitsList.self, LimitsRemove.self,
        ReportChargeback.self, UsageExport.self, RetentionGet.self, RetentionSet.self, RetentionVacuum.self,
        TeamsMemberships.self,
        PaymentsPreview.self, NodesList.self,
    ]

    public static let methodsByName: [String: any AdminMethod.Type] =
        Dictionary(uniqueKeysWithValues: methods.map { ($0.name, $0) })
}
