import Foundation
import Testing
@testable import HubCore

/// The pure rules of governance (issue 12): calendar periods in a time zone, model globs, address
/// ranges, and a team's members and keys kept consistent.
@Suite("Governance rules: periods, model globs, address ranges")
struct GovernanceRulesTests {
    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test("periods are calendar days, weeks from Monday and months in the configured zone")
    func periods() async throws {
        let tokyo = try BudgetCalendar(identifier: "Asia/Tokyo")
        let instant = Self.date("2027-03-01T14:59:59Z")   // Monday 1 March, 23:59:59 in Tokyo
        #expect(tokyo.interval(.day, containing: instant) == (Self.date("2027-02-28T15:00:00Z"), Self.date("2027-03-01T15:00:00Z")))
        #expect(tokyo.interval(.day, containing: instant.addingTimeInterval(1)).start == Self.date("2027-03-01T15:00:00Z"))
        #expect(tokyo.interval(.week, containing: instant) == (Self.date("2027-02-28T15:00:00Z"), Self.date("2027-03-07T15:00:00Z")))
        let utc = try BudgetCalendar(identifier: "UTC")
        #expect(utc.interval(.week, containing: Self.date("2026-11-29T23:00:00Z")).start == Self.date("2026-11-23T00:00:00Z"))
        #expect(utc.interval(.month, containing: Self.date("2024-02-29T12:00:00Z")) ==
                (Self.date("2024-02-01T00:00:00Z"), Self.date("2024-03-01T00:00:00Z")))
        // A day with a daylight-saving change is 23 hours long.
        let berlin = try BudgetCalendar(identifier: "Europe/Berlin")
        let short = berlin.interval(.day, containing: Self.date("2027-03-28T12:00:00Z"))
        #expect(short.end.timeIntervalSince(short.start) == 23 * 3_600)
        #expect(throws: HubError.self) { try BudgetCalendar(identifier: "Mars/Olympus") }
    }

    @Test("model globs match provider/model and the requested name, without regard to case")
    func globs() async throws {
        let glob = try ModelGlob("openai/gpt-4o*")
        #expect(glob.matches("openai/gpt-4o") && glob.matches("OpenAI/GPT-4o-mini"))
        #expect(!glob.matches("openai/gpt-4") && !glob.matches("azure/gpt-4o"))
        #expect(try ModelGlob("*").matches("anything/at-all"))
        #expect(try ModelGlob("m?ck-*").matches("mock-model"))
        #expect(try !ModelGlob("*a*a*a*a*a*b").matches(String(repeating: "a", count: 5_000)))
        #expect(throws: HubError.self) { try ModelGlob("  ") }
        #expect(throws: HubError.self) { try ModelGlob("gpt\u{1b}[31m") }
    }

    @Test("address ranges: IPv4, IPv6, single addresses, IPv4-mapped clients")
    func ranges() async throws {
        let ten = try AddressRange("10.1.2.3/8")
        #expect(ten.description == "10.0.0.0/8")
        #expect(ten.contains("10.200.0.1") && !ten.contains("11.0.0.1") && !ten.contains("::1"))
        #expect(ten.contains("::ffff:10.9.9.9"))
        let v6 = try AddressRange("2001:db8::/32")
        #expect(v6.contains("2001:db8:ffff::1") && !v6.contains("2001:db9::1") && !v6.contains("10.0.0.1"))
        #expect(try AddressRange("::1").contains("::1"))
        #expect(try AddressRange("0.0.0.0/0").contains("203.0.113.9"))
        for bad in ["10.0.0.300/8", "10.0.0.0/33", "::/129", "example.com/8", "10.0.0.0/x", ""] {
            #expect(throws: HubError.self, "\(bad)") { try AddressRange(bad) }
        }
    }

    @Test("a key spends for a team only while its user is a member")
    func membership() async throws {
        let hub = try TemporaryHub()
        let service = hub.service
        let before = try hub.snapshot()
        await #expect(throws: HubError.self) { try await service.perform(Admin.BudgetsSet(user: "nobody", amount: Amount(units: 1), period: .day), actor: "t") }
        await #expect(throws: HubError.self) { try await service.perform(Admin.LimitsSet(team: "lab", rpm: 5), actor: "t") }
        #expect(try hub.snapshot() == before, "refused governance changes leave every table as it was")
        _ = try await service.perform(Admin.UsersAdd(name: "ann"), actor: "test")
        _ = try await service.perform(Admin.TeamsAdd(name: "lab"), actor: "test")
        await #expect(throws: HubError.self) { try await service.perform(Admin.KeysCreate(user: "ann", name: "k", team: "lab"), actor: "test") }
        #expect(try await service.perform(Admin.KeysList(), actor: "test").isEmpty, "a refused create changes nothing")
        _ = try await service.perform(Admin.TeamsAddMember(team: "lab", user: "ann"), actor: "test")
        let created = try await service.perform(Admin.KeysCreate(user: "ann", name: "k", team: "lab"), actor: "test")
        #expect(created.key.teamId != nil)
        _ = try await service.perform(Admin.TeamsRemoveMember(team: "lab", user: "ann"), actor: "test")
        #expect(try await service.perform(Admin.KeysList(), actor: "test").first?.key.teamId == nil)
        _ = try await service.perform(Admin.TeamsAddMember(team: "lab", user: "ann"), actor: "test")
        _ = try await service.perform(Admin.KeysSetTeam(key: "1", team: "lab"), actor: "test")
        _ = try await service.perform(Admin.BudgetsSet(team: "lab", amount: Amount(units: 1), period: .week), actor: "test")
        _ = try await service.perform(Admin.TeamsRemove(team: "lab"), actor: "test")
        #expect(try await service.perform(Admin.KeysList(), actor: "test").first?.key.teamId == nil, "removing a team detaches its keys")
        #expect(try await service.perform(Admin.BudgetsList(), actor: "test").isEmpty, "and removes its budgets")
    }
}
