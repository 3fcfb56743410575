import Foundation
import GRDB

/// A user's membership of a team, by name, for the console's Users pane.
public struct TeamMembershipRow: Codable, Sendable, Equatable {
    public var userId: Int64
    public var teamId: Int64
    public var team: String

    public init(userId: Int64, teamId: Int64, team: String) {
        self.userId = userId; self.teamId = teamId; self.team = team
    }
}

extension Admin {
    /// `console.team_members`: every membership (user id, team id and name), by team name then user id.
    /// One small read for the Users pane's team column, instead of a `teams.show` per team.
    public struct ConsoleTeamMembers: AdminMethod {
        public static let name = "console.team_members"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) throws -> [TeamMembershipRow] {
            try context.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT m.user_id, m.team_id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id
                    ORDER BY t.name COLLATE NOCASE, m.user_id
                    """).map { TeamMembershipRow(userId: $0[0], teamId: $0[1], team: $0[2]) }
            }
        }
    }
}
