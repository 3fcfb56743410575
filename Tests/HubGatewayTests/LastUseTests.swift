import Foundation
import GRDB
import Testing
import HubTestSupport

/// Keys and credentials record when they were last used, and credentials their last error: written
/// by the usage writer with its batch.
@Suite struct LastUseTests {
    @Test func keysAndCredentialsRecordTheirLastUseAndError() async throws {
        let fixture = try HubFixture(mode: "enterprise", credentials: ["sk-good-one", "sk-fault-503"])
        let user = try fixture.user("user")
        let url = fixture.baseURL + "/chat/completions"
        // The weighted choice alternates: a few requests reach both credentials.
        _ = try await HoldBoundTests.firstServed(url, key: user.key, body: TestHTTP.chatBody())
        for _ in 0..<4 { _ = try await TestHTTP.post(url, key: user.key, body: TestHTTP.chatBody()) }
        let database = try fixture.database()
        #expect(try await fixture.eventually(60) {
            try database.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_keys WHERE last_used_at IS NOT NULL") == 1
                    && Int.fetchOne(db, sql: "SELECT COUNT(*) FROM credentials WHERE last_used_at IS NOT NULL") == 2
            }
        })
        try await database.read { db throws in
            let error = try String.fetchOne(db, sql: "SELECT last_error FROM credentials WHERE name = 'c1'")
            #expect(error?.contains("503") == true, "\(error ?? "nil")")
            #expect(try String.fetchOne(db, sql: "SELECT last_error FROM credentials WHERE name = 'c0'") == nil)
        }
    }
}
