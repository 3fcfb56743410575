import ArgumentParser
import Foundation
import HubAdmin
import HubCore

/// `admin report`: reports for charging usage back to the teams and people who caused it.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Chargeback: who used what in a month, and what it cost.",
        subcommands: [Chargeback.self])

    enum Format: String, CaseIterable, ExpressibleByArgument { case table, csv, json }

    struct Chargeback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A month's calls, tokens, provider cost and credits charged by team, user or model, with the total.",
            discussion: """
                Months are calendar months in the governance time zone (setting governance_time_zone, UTC unless set). \
                Amounts are exact to the nano-unit. Read from the hourly rollup: the same totals before and after raw \
                usage events are pruned (aigne-hub admin retention).
                """)
        @OptionGroup var hub: HubOptions
        @Option(help: ArgumentHelp("The month, e.g. 2026-11.", valueName: "YYYY-MM")) var month: String
        @Option(help: "team, user or model (default team).", transform: { try Parse.choice($0, "grouping") as ChargebackGrouping })
        var by: ChargebackGrouping?
        @Option(help: "table, csv (RFC 4180) or json (default table).") var format: Format = .table

        func run() async throws {
            let report = try await hub.connect().call(Admin.ReportChargeback(month: month, by: by))
            switch hub.json ? .json : format {
            case .json:
                let data = try HubJSON.encoder(pretty: true).encode(report)
                print(SafeText.json(String(decoding: data, as: UTF8.self)))
            case .csv:
                FileHandle.standardOutput.write(try ReportCSV.chargeback(report))
            case .table:
                print(SafeText.escape(Self.table(report), keepNewlines: true))
            }
        }

        static func table(_ report: ChargebackReport) -> String {
            var table = TextTable(report.by.rawValue.uppercased(), "CALLS", "TOKENS IN", "TOKENS OUT", "PROVIDER COST (USD)",
                                  "CREDITS CHARGED", rightAligned: [1, 2, 3, 4, 5])
            for row in report.rows + [report.total] {
                table.add(row.label, "\(row.calls)", "\(row.tokensIn)", "\(row.tokensOut)", row.providerCost.description,
                          row.creditsCharged.description)
            }
            return "Chargeback \(report.month) (\(report.timeZone)) by \(report.by.rawValue)\n" + table.rendered
        }
    }
}

extension UsageCommand {
    /// `usage export`: raw events of a time range, streamed a page at a time.
    struct Export: AsyncParsableCommand {
        enum Format: String, CaseIterable, ExpressibleByArgument { case csv, jsonl }

        static let configuration = CommandConfiguration(
            abstract: "Raw usage events of a time range, as CSV (RFC 4180) or JSON lines, oldest first.",
            discussion: """
                Streams pages of events from the hub (its socket, or its database) to standard output or --output: \
                memory stays the same whatever the size of the range. Events older than the retention setting are \
                gone (their sums stay in the rollups: see aigne-hub admin report chargeback).
                """)
        @OptionGroup var hub: HubOptions
        @Option(help: "Start: 24h, 7d, 2026-11-01 or an ISO time.", transform: Parse.time) var since: Date
        @Option(help: "End, not included (default now).", transform: Parse.time) var until: Date?
        @Option(help: "csv or jsonl (default csv; --json means jsonl).") var format: Format = .csv
        @Option(help: "Write to this file (mode 600; it must not exist; it appears only once complete) instead of standard output.")
        var output: String?
        @Option(help: "Events per page, 1-10000 (default 1000).") var pageSize: Int?

        func run() async throws {
            let connection = try await hub.connect()
            guard let output else { return try await export(connection, to: FileHandle.standardOutput) }
            // All or nothing: pages go to OUTPUT.partial, renamed to OUTPUT once the last one is written.
            guard !FileManager.default.fileExists(atPath: output) else { throw HubError(.alreadyExists, "\(output) exists: give a new file") }
            let partial = output + ".partial"
            let sink = try Self.create(partial)
            do {
                try await export(connection, to: sink)
                try sink.close()
                guard rename(partial, output) == 0 else {
                    throw HubError(.storage, "cannot rename \(partial) to \(output): \(String(cString: strerror(errno)))")
                }
            } catch {
                try? FileManager.default.removeItem(atPath: partial)
                throw error
            }
        }

        private func export(_ connection: any HubConnection, to sink: FileHandle) async throws {
            let format = hub.json ? .jsonl : format
            let encoder = HubJSON.encoder()
            var request = Admin.UsageExport(since: since, until: until ?? Date(), limit: pageSize)
            var wroteHeader = false
            while true {
                let page = try await connection.call(request)
                switch format {
                case .csv:
                    if !wroteHeader { try sink.write(contentsOf: try ReportCSV.usageHeaderLine()) }
                    wroteHeader = true
                    try sink.write(contentsOf: try ReportCSV.usage(page.events))
                case .jsonl:
                    var lines = Data()
                    for event in page.events {
                        lines.append(try encoder.encode(event))
                        lines.append(0x0A)
                    }
                    try sink.write(contentsOf: lines)
                }
                guard let next = page.next else { return }
                request.after = next
            }
        }

        private static func create(_ path: String) throws -> FileHandle {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw HubError(.storage, "cannot create \(path): \(String(cString: strerror(errno)))") }
            return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        }
    }
}
