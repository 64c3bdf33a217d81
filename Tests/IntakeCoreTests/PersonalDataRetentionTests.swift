import EventStore
import Foundation
import GRDB
@testable import IntakeCore
import Model
import Testing
import TestSupport

@Suite("personal data: retention and the keyed hash")
struct PersonalDataRetentionTests {
    /// A week's retention. The engine's own sweeps are pushed out of the test's reach (only the
    /// first tick's, at the start, runs), so the counts below are the explicit sweeps'.
    static let week = PersonalDataRetention(days: 7, sweepInterval: 1e12)

    @Test("a call past the retention period is redacted in the store; a new call from the same phone still matches the ledger")
    func redactedYetMatched() async throws {
        let h = try Harness(personalData: Self.week)
        var receipts: [CallReceipt] = []
        for i in 0..<2 {
            receipts.append(try await h.accepted(call(phone: "13812345678", at: north(of: Demo.urban, Double(i) * 2000))))
            h.clock.advance(by: 60)
        }
        try await h.dispatchReports(receipts[0].incidentId!, stage: .closed, outcome: .falseReport)
        try await h.dispatchReports(receipts[1].incidentId!, stage: .closed, outcome: .falseReport)
        #expect(try await h.queries.caller(phone: "13812345678")?.maliciousCaller == true)

        // Eight days later: the sweep redacts both calls, and the ledger's phone.
        h.clock.advance(by: 8 * 86_400)
        guard case .swept(let redacted) = try await h.engine.submit(.sweepPersonalData) else { throw TestFailure() }
        #expect(redacted == 2)
        let rows = try h.read { try Row.fetchAll($0, sql: "SELECT caller_name, caller_phone, caller_key, request FROM calls") }
        #expect(rows.count == 2)
        for row in rows {
            #expect((row["caller_name"] as String?) == nil && (row["caller_phone"] as String?) == nil)
            #expect((row["caller_key"] as String?)?.count == 64, "the keyed hash stays")
            let request: String = row["request"]
            #expect(!request.contains("13812345678") && !request.contains("测试"), "the recorded request keeps no caller: \(request)")
        }
        let dump = try h.read { try String.fetchAll($0, sql: "SELECT quote(phone) || caller_key FROM callers") }.joined()
        #expect(!dump.contains("13812345678"), "the ledger keeps no phone: \(dump)")
        let ledger = try h.read { try IntakeSQL.callers(flag: .malicious, limit: 10, $0) }
        #expect(ledger.map(\.phone) == [LedgerEntry.redacted])
        #expect(try h.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM calls WHERE caller_phone = '13812345678'") } == 0)

        // The same phone calls again: still known as malicious, through its keyed hash.
        let again = try await h.accepted(call(phone: "13812345678", at: north(of: Demo.urban, 8000)))
        #expect(again.flags == ["malicious-caller"])
        let view = try #require(try await h.queries.caller(phone: "13812345678"))
        #expect(view.calls == 3 && view.falseReports == 2 && view.maliciousCaller)
        #expect(view.recentCalls.compactMap(\.caller?.phone) == ["13812345678"], "only the new call keeps its phone")
        // A second sweep now leaves the new call alone (it is within the period).
        guard case .swept(let none) = try await h.engine.submit(.sweepPersonalData) else { throw TestFailure() }
        #expect(none == 0)
        #expect(try h.read { try IntakeSQL.callers(flag: .malicious, limit: 10, $0) }.map(\.phone) == ["13812345678"])
    }

    @Test("repeat calls within the ledger window match after an earlier call was redacted")
    func repeatAfterRedaction() async throws {
        // A retention shorter than the ledger window (a day), to show the match goes through the hash.
        let h = try Harness(personalData: PersonalDataRetention(days: 1.0 / 24, sweepInterval: 1e12))
        _ = try await h.accepted(call(phone: "13800009999", at: north(of: Demo.urban, 0)))
        h.clock.advance(by: 7200)
        _ = try await h.accepted(call(phone: "13800009999", at: north(of: Demo.urban, 3000)))
        h.clock.advance(by: 7200)
        _ = try await h.engine.submit(.sweepPersonalData)
        #expect(try h.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM calls WHERE caller_phone IS NOT NULL") } == 0)
        let third = try await h.accepted(call(phone: "13800009999", at: north(of: Demo.urban, 6000)))
        #expect(third.flags == ["repeat-caller"], "two redacted calls and this one: a repeat caller")
    }

    @Test("rows from before the keyed hash (migration intake-v4) get theirs on the first sweep, and keep matching")
    func backfill() async throws {
        let h = try Harness(personalData: Self.week)
        let phone = "13700001111"
        // What intake-v4 leaves of an older store: a call without a caller key, a ledger entry keyed 'pending:<phone>'.
        try await h.core.store.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO calls (id, n, received_at, channel, outcome, caller_phone, request) VALUES ('C09000001', 9000001, ?, '110', 'opened', ?, '{}');
                    INSERT INTO callers (caller_key, phone, false_reports, malicious_since) VALUES (?, ?, 2, ?);
                    """, arguments: [t0.timeIntervalSince1970 - 3600, phone, "pending:\(phone)", phone, t0.timeIntervalSince1970 - 3600])
        }
        _ = try await h.engine.submit(.sweepPersonalData)
        let hash = h.callerKey.hash(phone)
        #expect(try h.read { try String.fetchOne($0, sql: "SELECT caller_key FROM calls WHERE id = 'C09000001'") } == hash)
        #expect(try h.read { try String.fetchAll($0, sql: "SELECT caller_key FROM callers") } == [hash])
        let next = try await h.accepted(call(phone: phone))
        #expect(next.flags == ["malicious-caller"])
    }

    @Test func theCallerHashIsHMACSHA256InLowercaseHex() {
        // RFC 4231, test case 6: a stored hash must read the same after an upgrade, or repeat
        // calls and malicious callers would no longer match their earlier entries.
        let key = CallerKey(bytes: Array(repeating: 0xaa, count: 131))
        #expect(
            key.hash("Test Using Larger Than Block-Size Key - Hash Key First")
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("the keyed hash depends on the key: another deployment's hashes do not match")
    func keyed() {
        let a = CallerKey(bytes: Array(repeating: 1, count: 32))
        let b = CallerKey(bytes: Array(repeating: 2, count: 32))
        #expect(a.hash("13800000001") == a.hash("13800000001"))
        #expect(a.hash("13800000001") != b.hash("13800000001"))
        #expect(a.hash("13800000001") != a.hash("13800000002"))
    }
}
