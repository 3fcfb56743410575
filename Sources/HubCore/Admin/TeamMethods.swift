import Foundation
import GRDB

extension Admin {
    /// `teams.add`: a named group of users whose spend is budgeted and reported together.
    public struct TeamsAdd: AdminMethod {
        public static let name = "teams.add"
        public var name: String
        public var description: String?
        public init(name: String, description: String? = nil) { self.name = name; self.description = description }

        public func run(_ context: AdminContext) async throws -> Team {
            let name = try Validate.name(self.name, of: "team")
            let description = description?.trimmingSpaces
            if let description {
                try Validate.plainText(description, "the description")
                guard description.count <= 500 else { throw HubError.invalid("the description is longer than 500 characters") }
            }
            return try await context.write { db in
                if try Team.fetchOne(db, sql: "SELECT * FROM teams WHERE lower(name) = lower(?)", arguments: [name]) != nil {
                    throw HubError(.alreadyExists, "a team named '\(name)' already exists")
                }
                var team = Team(id: nil, name: name, description: description?.isEmpty == true ? nil : description, createdAt: Date())
                try team.insert(db)
                try context.audit(db, Self.name, target: "team:\(name)", before: Team?.none, after: team)
                return team
            }
        }
    }

    /// `teams.list`: every team with its members, keys and this month's spend.
    public struct TeamsList: AdminMethod {
        public static let name = "teams.list"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) async throws -> [TeamSummary] {
            try await context.read { db in
                let settings = try Settings.current(db)
                let month = BudgetCalendar(settings: settings).interval(.month, containing: Date())
                return try Team.fetchAll(db, sql: "SELECT * FROM teams ORDER BY \(db.binaryOrder("lower(name)"))").map { team in
                    TeamSummary(
                        team: team,
                        members: try Int.fetchOne(db, sql: "SELECT count(*) FROM team_members WHERE team_id = ?",
                                                  arguments: [team.id]) ?? 0,
                        keys: try Int.fetchOne(db, sql: "SELECT count(*) FROM api_keys WHERE team_id = ? AND revoked_at IS NULL",
                                               arguments: [team.id]) ?? 0,
                        spendThisMonth: try GovernanceSpend.spent(db, kind: .team, id: team.id!, from: month.start,
                                                                  to: month.end, mode: settings.mode))
                }
            }
        }
    }

    /// `teams.show`: a team with its members, keys, budgets and limits.
    public struct TeamsShow: AdminMethod {
        public static let name = "teams.show"
        public static let mutates = false
        public var team: String
        public init(team: String) { self.team = team }

        public func run(_ context: AdminContext) async throws -> TeamDetail {
            try await context.read { db in
                let team = try Lookup.team(db, self.team)
                let subject = Subject(kind: .team, id: team.id!, name: team.name)
                let members = try User.fetchAll(db, sql: """
                    SELECT u.* FROM users u JOIN team_members m ON m.user_id = u.id WHERE m.team_id = ? ORDER BY \(db.binaryOrder("lower(u.name)"))
                    """, arguments: [team.id])
                return TeamDetail(
                    team: team, members: members,
                    keys: try APIKey.fetchAll(db, sql: "SELECT * FROM api_keys WHERE team_id = ? ORDER BY id", arguments: [team.id]),
                    budgets: try BudgetStatuses.all(db, subject: subject), limits: try RateLimit.all(db, subject: subject))
            }
        }
    }

    /// `teams.remove`: removes a team; its keys detach, its budgets and limits go, and past usage
    /// events keep the team's id.
    public struct TeamsRemove: AdminMethod {
        public static let name = "teams.remove"
        public var team: String
        public init(team: String) { self.team = team }

        public func run(_ context: AdminContext) async throws -> Done {
            try await context.write { db in
                let team = try Lookup.team(db, self.team)
                _ = try team.delete(db)
                try context.audit(db, Self.name, target: "team:\(team.name)", before: team, after: Team?.none)
                return Done()
            }
        }
    }

    /// `teams.add_member`: adds a user to a team.
    public struct TeamsAddMember: AdminMethod {
        public static let name = "teams.add_member"
        public var team: String
        public var user: String
        public init(team: String, user: String) { self.team = team; self.user = user }

        public func run(_ context: AdminContext) async throws -> Done {
            try await context.write { db in
                let team = try Lookup.team(db, self.team)
                let user = try Lookup.user(db, self.user)
                if try (Int.fetchOne(db, sql: "SELECT count(*) FROM team_members WHERE team_id = ? AND user_id = ?",
                                    arguments: [team.id, user.id]) ?? 0) > 0 {
                    throw HubError(.alreadyExists, "\(user.name) is already a member of \(team.name)")
                }
                var member = TeamMember(teamId: team.id!, userId: user.id!, addedAt: Date())
                try member.insert(db)
                try context.audit(db, Self.name, target: "team:\(team.name)", before: TeamMember?.none, after: member)
                return Done()
            }
        }
    }

    /// `teams.remove_member`: removes a user from a team; the user's keys of that team detach.
    public struct TeamsRemoveMember: AdminMethod {
        public static let name = "teams.remove_member"
        public var team: String
        public var user: String
        public init(team: String, user: String) { self.team = team; self.user = user }

        public func run(_ context: AdminContext) async throws -> Done {
            try await context.write { db in
                let team = try Lookup.team(db, self.team)
                let user = try Lookup.user(db, self.user)
                guard let member = try TeamMember.fetchOne(db, sql: "SELECT * FROM team_members WHERE team_id = ? AND user_id = ?",
                                                           arguments: [team.id, user.id]) else {
                    throw HubError.notFound("\(user.name) is not a member of \(team.name)")
                }
                try db.execute(sql: "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", arguments: [team.id, user.id])
                try db.execute(sql: "UPDATE api_keys SET team_id = NULL WHERE team_id = ? AND user_id = ?",
                               arguments: [team.id, user.id])
                try context.audit(db, Self.name, target: "team:\(team.name)", before: member, after: TeamMember?.none)
                return Done()
            }
        }
    }

    /// `keys.set_team`: the team a key spends for (none: detach). The key's user must be a member.
    public struct KeysSetTeam: AdminMethod {
        public static let name = "keys.set_team"
        public var key: String
        public var team: String?
        public init(key: String, team: String? = nil) { self.key = key; self.team = team }

        public func run(_ context: AdminContext) async throws -> APIKey {
            try await context.write { db in
                let before = try Lookup.key(db, key)
                var after = before
                after.teamId = try team.map { reference in try TeamMembership.check(db, team: reference, userId: before.userId).id! }
                guard after != before else { return before }
                try db.execute(sql: "UPDATE api_keys SET team_id = ? WHERE id = ?", arguments: [after.teamId, before.id])
                try context.audit(db, Self.name, target: "key:\(before.prefix)", before: before, after: after)
                return after
            }
        }
    }
}

enum TeamMembership {
    /// The team `reference`, which the user `userId` must belong to for a key of theirs to spend for it.
    static func check(_ db: StoreDB, team reference: String, userId: Int64) throws -> Team {
        let team = try Lookup.team(db, reference)
        guard try (Int.fetchOne(db, sql: "SELECT count(*) FROM team_members WHERE team_id = ? AND user_id = ?",
                               arguments: [team.id, userId]) ?? 0) > 0 else {
            let user = try String.fetchOne(db, sql: "SELECT name FROM users WHERE id = ?", arguments: [userId]) ?? "#\(userId)"
            throw HubError(.failedPrecondition, "\(user) is not a member of \(team.name): add them first (teams add-member)")
        }
        return team
    }
}
