import Foundation
import Testing
import HubAdmin
@testable import HubConsole
@testable import HubCore

/// The real binary in tmux: a team budget set through the dialog, then seen in the Teams view and in
/// the Users pane's bar; the month's chargeback exported to a file.
@Suite(.serialized) struct GovernanceTmuxTests {
    @Test func aTeamBudgetSetInTheDialogShowsInTheTeamsViewAndTheUsersBar() async throws {
        let hub = try CLIHub()
        defer { hub.remove() }
        let connection = try await DatabaseConnection.open(DataDirectory(url: URL(fileURLWithPath: hub.directory)), surface: "test")
        _ = try await connection.service.perform(Admin.TeamsAdd(name: "eng"), actor: "test")
        _ = try await connection.service.perform(Admin.TeamsAddMember(team: "eng", user: "王小明"), actor: "test")
        try connection.service.store.sqliteWrite { db in
            for _ in 0..<3 {
                var event = UsageEvent(requestId: UUID().uuidString, userId: 1, apiKeyId: nil, providerId: 1, model: "gpt-4o",
                                       tokensIn: 100, tokensOut: 50, providerCost: Amount(units: 10), status: 200)
                event.teamId = 1
                try event.insert(db)
            }
        }
        let terminal = try Tmux(command: hub.consoleCommand)
        defer { terminal.kill() }
        try terminal.waitFor("mode: enterprise")
        let teams = String(PaneID.teams.rawValue)
        try terminal.send(teams)
        try terminal.waitFor("[\(teams) Teams]")
        try terminal.waitFor("eng")
        try terminal.send("b")
        try terminal.waitFor("Budget for team eng")
        try terminal.type("100")
        try terminal.send("Enter", "Enter", "Enter")
        try terminal.waitFor("Set the budget of team eng?")
        #expect(try terminal.capture().contains("spent this period so far: 30 of 100 USD"))
        #expect(try await connection.service.perform(Admin.BudgetsList(), actor: "test").isEmpty, "sent before it was confirmed")
        try terminal.send("y")
        try terminal.waitFor("budget of team eng saved")
        let teamsView = try terminal.waitFor("30%")
        #expect(teamsView.components(separatedBy: "\n").contains { $0.contains("eng") && $0.contains("██") && $0.contains("│") && $0.contains("30%") })
        let budgets = try await connection.service.perform(Admin.BudgetsList(team: "eng"), actor: "test")
        #expect(budgets.map { "\($0.amount) \($0.period.rawValue) \($0.soft ?? 0) \($0.spent)" } == ["100 month 80 30"])
        try terminal.send("3")
        let users = try terminal.waitFor("[3 Users]") { $0.contains("王小明") && $0.contains("30%") }
        #expect(users.components(separatedBy: "\n").contains { $0.contains("王小明") && $0.contains("eng") && $0.contains("30%") })
        #expect(!users.components(separatedBy: "\n").contains { $0.contains("alice") && $0.contains("%") })

        // The chargeback of this month, exported to a file named in the dialog.
        let path = hub.directory + "/chargeback.csv"
        try terminal.send(teams, "c")
        try terminal.waitFor("Chargeback ")
        try terminal.send("x")
        try terminal.waitFor("Export the chargeback of")
        try terminal.send("C-u")
        try terminal.type(path)
        try terminal.send("Enter")
        try terminal.waitFor("Exported to") { $0.contains("chargeback.csv") && $0.contains("wrote 1 row(s) and the total") }
        let csv = try String(contentsOfFile: path, encoding: .utf8)
        #expect(csv == "team,calls,tokens_in,tokens_out,provider_cost_usd,credits_charged\r\neng,3,300,150,30,0\r\n(total),3,300,150,30,0\r\n")
        try terminal.send("q", "q", "q")  // the dialog, the chargeback view, the console
        try terminal.waitFor("EXIT=0")
    }
}
