import CSV
import Foundation

/// Reports and exports as RFC 4180 CSV (comma-separated, CRLF line ends, fields quoted where they
/// hold a comma, a quote or a line end), written by the CSV.swift library. Money is the exact decimal
/// of ``Amount`` (`12.000000001`), so a spreadsheet or a script sums it to the nano-unit. Every chunk
/// ends with CRLF, so chunks of one export (a header, then a page at a time) join into one file.
public enum ReportCSV {
    /// The chargeback report: a header, one line per row, and the total last (labelled `(total)`).
    public static func chargeback(_ report: ChargebackReport) throws(HubError) -> Data {
        var lines = [[report.by.rawValue, "calls", "tokens_in", "tokens_out", "provider_cost_usd", "credits_charged"]]
        for row in report.rows + [report.total] {
            lines.append([text(row.label), String(row.calls), String(row.tokensIn), String(row.tokensOut),
                          row.providerCost.description, row.creditsCharged.description])
        }
        return try write(lines)
    }

    /// The columns of a usage export, as in the `usage_events` table.
    public static let usageHeader = [
        "id", "request_id", "created_at", "user_id", "team_id", "api_key_id", "provider_id", "credential_id", "model",
        "tokens_in", "tokens_out", "tokens_cached", "provider_cost_usd", "credits_charged", "overrun", "latency_ms",
        "ttfb_ms", "status", "error", "usage_source", "streamed",
    ]

    /// The header line of a usage export.
    public static func usageHeaderLine() throws(HubError) -> Data { try write([usageHeader]) }

    /// Usage events, one line each (no header).
    public static func usage(_ events: [UsageEvent]) throws(HubError) -> Data {
        func optional(_ value: (some CustomStringConvertible)?) -> String { value.map(\.description) ?? "" }
        return try write(events.map { e in
            [optional(e.id), text(e.requestId), e.createdAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
             optional(e.userId), optional(e.teamId), optional(e.apiKeyId), optional(e.providerId), optional(e.credentialId),
             text(e.model),
             String(e.tokensIn), String(e.tokensOut), String(e.tokensCached), e.providerCost.description,
             e.creditsCharged.description, e.overrun.description, String(e.latencyMs), optional(e.ttfbMs), String(e.status),
             text(e.error ?? ""), e.usageSource.rawValue, e.streamed ? "true" : "false"]
        })
    }

    /// A cell of free text (a model name or an error a client caused): one that a spreadsheet would
    /// run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'`, OWASP's advice for
    /// CSV injection. Numbers and amounts are written as they are.
    static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        return "'" + value
    }

    private static func write(_ lines: [[String]]) throws(HubError) -> Data {
        guard !lines.isEmpty else { return Data() }
        let stream = OutputStream(toMemory: ())
        do {
            let writer = try CSVWriter(stream: stream, newline: .crlf)
            for line in lines { try writer.write(row: line) }
            writer.stream.close()
        } catch {
            throw HubError(.internal, "cannot write CSV: \(error)")
        }
        guard var data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else {
            throw HubError(.internal, "cannot write CSV: the memory stream kept nothing")
        }
        data.append(contentsOf: [0x0D, 0x0A])
        return data
    }
}
