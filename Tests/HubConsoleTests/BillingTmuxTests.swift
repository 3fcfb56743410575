import Foundation
import Testing

/// The demo hub in a real terminal: a pending payment resolved through the Billing pane's dialog, a
/// purchase arriving by a signed Stripe webhook (sent with curl and openssl, as the README's tour
/// does), and both seen in the balance, the ledger, the audit log and the Revenue pane.
@Suite(.serialized) struct BillingTmuxTests {
    @Test func theDemosPendingPaymentIsResolvedAndAWebhookPurchaseAppears() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("billing-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let port = try freeLoopbackPort()
        let terminal = try Tmux(command: "env TMPDIR=\(scratch.path) LANG=C.UTF-8 TERM=tmux-256color "
                                + "\(TmuxEndToEndTests.binary) demo --port \(port)")
        defer { terminal.kill() }
        try terminal.waitFor("mode: service-provider", timeout: 30)
        let data = try #require(try FileManager.default.contentsOfDirectory(atPath: scratch.path).first { $0.hasPrefix("aigne-hub-demo-") })
        func cli(_ arguments: String...) throws -> String {
            let result = try run(TmuxEndToEndTests.binary, ["admin"] + arguments + ["--data-dir", scratch.path + "/" + data])
            #expect(result.status == 0, "\(arguments): \(result.errors)")
            return result.output
        }

        // The demo's payment for a user the hub does not know waits in 6 Billing; Zoë (refused for
        // want of credits, so her balance stays 0) is who it belongs to.
        try terminal.send("6")
        try terminal.waitFor("⚠ pending") { $0.contains("dave") }
        #expect(try cli("payments", "preview", "2", "--user", "Zoë")
            == "Payment #2 (stripe evt_demo_2) to Zoë: +110 credits (package starter), balance 0 → 110.\n")
        try terminal.send("r")
        try terminal.waitFor("Resolve payment #2")
        try terminal.send("C-u")
        try terminal.type("Zoë")
        try terminal.send("Enter", "Enter")
        try terminal.waitFor("Apply payment #2 to Zoë?") { $0.contains("balance 0 → 110") && $0.contains("Zoë: +110 credits (package starter)") }
        #expect(try cli("payments", "list", "--pending").contains("evt_demo_2"), "nothing is sent before the confirmation")
        try terminal.send("y")
        try terminal.waitFor("✓ payment #2 applied to Zoë")

        try terminal.send("3")
        let zoe = try Regex(#"Zoë +zoe@example\.nl +✓ active +1\d\d"#)
        try terminal.waitFor("Zoë") { $0.contains(zoe) }
        let ledger = try cli("users", "ledger", "Zoë").components(separatedBy: "\n")
        #expect(ledger.contains { $0.contains("purchase") && $0.contains("110") && $0.contains("evt_demo_2") }, "\(ledger)")
        #expect(try cli("audit", "list").contains("payments.resolve"))
        #expect(!(try cli("payments", "list", "--pending").contains("evt_demo_2")))

        // A purchase arriving by webhook, signed as Stripe signs it, shows in the Billing pane.
        let script = """
            body='{"id":"evt_e2e_1","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_e2e_1","object":"checkout.session","mode":"payment","payment_status":"paid","client_reference_id":"alice","metadata":{"package":"starter"},"amount_total":1000,"currency":"usd","payment_intent":"pi_e2e_1"}}}'
            t=$(date +%s)
            sig=$(printf '%s' "$t.$body" | openssl dgst -sha256 -hmac whsec_demo_0123456789abcdef -hex | sed 's/^.* //')
            curl -s http://127.0.0.1:\(port)/v1/billing/webhooks/stripe -H "Stripe-Signature: t=$t,v1=$sig" -d "$body"
            """
        let answer = try run("/bin/sh", ["-c", script])
        #expect(answer.output.contains(#""outcome":"applied""#), "\(answer)")
        try terminal.send("6")
        let applied = try Regex(#"3 ✓ applied +alice +starter +10 USD +110"#)
        try terminal.waitFor("alice") { $0.contains(applied) }

        // Three packages sold today by webhook (José's at start, Zoë's resolved, alice's): 30 USD.
        try terminal.send("7")
        let today = String(Date().formatted(.iso8601.year().month().day()))
        let revenue = try Regex(today + #" +30 "#)
        try terminal.waitFor(today) { $0.contains(revenue) }

        try terminal.send("q")
        try terminal.waitFor("EXIT=0", timeout: 20)
    }
}

/// A loopback port nothing listens on now (the kernel's pick for a socket bound to port 0).
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw E2EError("socket() failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw E2EError("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
