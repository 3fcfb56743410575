import Foundation
import GRDB

/// A user's membership of a team, with the team's name.
public struct TeamMembershipEntry: Codable, Sendable, Equatable {
    public var userId: Int64
    public var teamId: Int64
    public var team: String

    public init(userId: Int64, teamId: Int64, team: String) {
        self.userId = userId; self.teamId = teamId; self.team = team
    }
}

extension Admin {
    /// `teams.memberships`: every membership (user id, team id and name), by team name then user id:
    /// one small read for whoever lists users with their teams, instead of a `teams.show` per team.
    public struct TeamsMemberships: AdminMethod {
        public static let name = "teams.memberships"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) async throws -> [TeamMembershipEntry] {
            try await context.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT m.user_id, m.team_id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id
                    ORDER BY \(db.binaryOrder("lower(t.name)")), m.user_id
                    """).map { TeamMembershipEntry(userId: $0["user_id"], teamId: $0["team_id"], team: $0["name"]) }
            }
        }
    }
}
