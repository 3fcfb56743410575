import ArgumentParser
import Foundation
import HubCore

struct RevenueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revenue",
        abstract: "Per day or month: purchases, refunds, usage charged, provider cost and margin (1 credit = 1 USD).")

    @OptionGroup var hub: HubOptions
    @Option(help: "day or month.", transform: { try Parse.choice($0, "period") as Admin.RevenueSummary.Period })
    var by: Admin.RevenueSummary.Period?
    @Option(help: "From this time: 30d, 2026-11-01, …", transform: Parse.time) var since: Date?
    @Option(help: "Until this time.", transform: Parse.time) var until: Date?

    func run() async throws {
        try await hub.run(Admin.RevenueSummary(by: by, since: since, until: until)) { rows in
            var table = TextTable("PERIOD", "PURCHASES", "REFUNDS", "CREDITS SOLD", "CREDITS REFUNDED", "USAGE CHARGED",
                                  "PROVIDER COST", "MARGIN", rightAligned: [1, 2, 3, 4, 5, 6, 7])
            for r in rows {
                table.add(r.period, r.purchases.formatted(places: 2), r.refunds.formatted(places: 2), r.creditsSold.description,
                          r.creditsRefunded.description, r.usageCharged.formatted(places: 4), r.providerCost.formatted(places: 4),
                          r.margin.formatted(places: 4))
            }
            return table.rendered
        }
    }
}
