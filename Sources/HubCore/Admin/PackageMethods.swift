import Foundation
import GRDB

extension Admin {
    /// `packages.add`: a package of credits users can buy.
    public struct PackagesAdd: AdminMethod {
        public static let name = "packages.add"
        public var name: String
        public var price: Amount
        public var currency: String
        public var credits: Amount
        public var bonus: Amount?

        public init(name: String, price: Amount, currency: String, credits: Amount, bonus: Amount? = nil) {
            self.name = name; self.price = price; self.currency = currency; self.credits = credits; self.bonus = bonus
        }

        public func run(_ context: AdminContext) async throws -> CreditPackage {
            let name = try Validate.name(self.name, of: "package")
            let now = Date()
            let draft = CreditPackage(
                id: nil, name: name, price: try Validate.nonNegative(price, "the price"), currency: try Currency.code(currency),
                credits: try Validate.positive(credits, "credits"), bonus: try Validate.nonNegative(bonus ?? .zero, "the bonus"),
                active: true, createdAt: now, updatedAt: now)
            _ = try draft.credits.adding(draft.bonus)
            return try await context.write { db in
                var package = draft
                if try CreditPackage.named(name, db) != nil {
                    throw HubError(.alreadyExists, "a package named '\(name)' already exists")
                }
                try package.insert(db)
                try context.audit(db, Self.name, target: "package:\(name)", before: CreditPackage?.none, after: package)
                return package
            }
        }
    }

    /// `packages.list`: every package, active ones first.
    public struct PackagesList: AdminMethod {
        public static let name = "packages.list"
        public static let mutates = false
        public init() {}

        public func run(_ context: AdminContext) async throws -> [CreditPackage] {
            try await context.read { db in
                try CreditPackage.fetchAll(db, sql: "SELECT * FROM credit_packages ORDER BY active DESC, \(db.binaryOrder("lower(name)"))")
            }
        }
    }

    /// `packages.update`: changes what is given; the rest stays. Payments already applied keep the
    /// credits they gave.
    public struct PackagesUpdate: AdminMethod {
        public static let name = "packages.update"
        public var package: String
        public var name: String?
        public var price: Amount?
        public var currency: String?
        public var credits: Amount?
        public var bonus: Amount?
        public var active: Bool?

        public init(package: String, name: String? = nil, price: Amount? = nil, currency: String? = nil,
                    credits: Amount? = nil, bonus: Amount? = nil, active: Bool? = nil) {
            self.package = package; self.name = name; self.price = price; self.currency = currency
            self.credits = credits; self.bonus = bonus; self.active = active
        }

        public func run(_ context: AdminContext) async throws -> CreditPackage {
            let newName = try name.map { text throws(HubError) in try Validate.name(text, of: "package") }
            let price = try price.map { amount throws(HubError) in try Validate.nonNegative(amount, "the price") }
            let currency = try currency.map { text throws(HubError) in try Currency.code(text) }
            let credits = try credits.map { amount throws(HubError) in try Validate.positive(amount, "credits") }
            let bonus = try bonus.map { amount throws(HubError) in try Validate.nonNegative(amount, "the bonus") }
            return try await context.write { db in
                let before = try PackageLookup.find(package, db)
                var after = before
                if let newName {
                    if let other = try CreditPackage.named(newName, db), other.id != before.id {
                        throw HubError(.alreadyExists, "a package named '\(newName)' already exists")
                    }
                    after.name = newName
                }
                if let price { after.price = price }
                if let currency { after.currency = currency }
                if let credits { after.credits = credits }
                if let bonus { after.bonus = bonus }
                if let active { after.active = active }
                _ = try after.credits.adding(after.bonus)
                guard after != before else { return before }
                after.updatedAt = Date()
                try after.update(db)
                try context.audit(db, Self.name, target: "package:\(before.name)", before: before, after: after)
                return after
            }
        }
    }

    /// `packages.disable`: no longer sold. A payment for it that still arrives is applied (it was paid for).
    public struct PackagesDisable: AdminMethod {
        public static let name = "packages.disable"
        public var package: String
        /// Applied once per key (a console dialog's `console:<uuid>`): a resend answers `duplicate`.
        public var idempotencyKey: String?
        public init(package: String, idempotencyKey: String? = nil) { self.package = package; self.idempotencyKey = idempotencyKey }

        public func run(_ context: AdminContext) async throws -> CreditPackage {
            try await context.write { db in
                try context.claim(idempotencyKey, for: Self.name, db)
                let before = try PackageLookup.find(package, db)
                guard before.active else { throw HubError(.failedPrecondition, "package \(before.name) is already disabled") }
                var after = before
                after.active = false
                after.updatedAt = Date()
                try after.update(db)
                try context.audit(db, Self.name, target: "package:\(before.name)", before: before, after: after)
                return after
            }
        }
    }
}

enum PackageLookup {
    static func find(_ reference: String, _ db: StoreDB) throws -> CreditPackage {
        guard let found = try CreditPackage.named(reference, db) else {
            throw HubError.notFound("unknown package '\(reference.trimmingSpaces)'")
        }
        return found
    }
}
