import EventStore
import Foundation
import GRDB
@testable import IntakeCore
import Model
import Testing

@Suite("8 read queries and paging")
struct QueryTests {
    @Test("calls filter by channel, outcome, reason, caller and time, and page by cursor")
    func filtersAndPaging() async throws {
        let h = try Harness()
        for i in 0..<7 {
            _ = try await h.accepted(call(i % 2 == 0 ? .police : .traffic, phone: "1390000\(i)", at: north(of: Demo.urban, Double(i) * 1000)))
            h.clock.advance(by: 60)
        }
        _ = try await h.rejected(call(at: Coordinate(lat: 1, lon: 1)))
        func page(_ q: CallQuery) throws -> CallPage { try h.read { try IntakeSQL.calls(q, jurisdiction: nil, $0) } }
        #expect(try page(CallQuery(channel: "122")).calls.count == 3)
        #expect(try page(CallQuery(outcome: "rejected")).calls.map(\.reasonCode) == ["outside-jurisdiction"])
        #expect(try page(CallQuery(reason: "outside-jurisdiction")).calls.count == 1)
        #expect(try page(CallQuery(caller: "13900003")).calls.count == 1)
        #expect(try page(CallQuery(since: t0.addingTimeInterval(300))).calls.count == 3)
        #expect(try page(CallQuery(until: t0.addingTimeInterval(60))).calls.count == 1)
        var seen: [String] = []
        var q = CallQuery(limit: 3)
        while true {
            let p = try page(q)
            seen += p.calls.map(\.callId)
            guard let next = p.next else { break }
            q.after = next
        }
        #expect(seen == (1...8).map { RecordIdentifier.call($0) })
        #expect(CallQuery(limit: 0).validate()?.field == "limit")
        #expect(CallQuery(outcome: "lost").validate()?.field == "outcome")
        #expect(CallQuery(channel: "119").validate()?.field == "channel")
    }
}

@Suite("store migration")
struct MigrationTests {
    @Test("a v1 store keeps its calls and incidents when migrated to v2")
    func fromV1() throws {
        let queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        IntakeCore.migrate(&migrator)
        try migrator.migrate(queue, upTo: "intake-v1")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO calls (id, n, received_at, channel, outcome, incident_id, category, caller_phone, call_taker, client_ref, request)
                    VALUES ('C00000001', 1, 0, '110', 'opened', 'I00000001', 'dispute', '138', 'CT01', 'r1', '{}');
                    INSERT INTO incidents (id, n, opened_at, call_id, category, status) VALUES ('I00000001', 1, 0, 'C00000001', 'dispute', 'open');
                    """)
        }
        try migrator.migrate(queue)
        try queue.read { db in
            let record = try IntakeSQL.call("C00000001", jurisdiction: nil, db)
            #expect(record?.callTaker == "CT01" && record?.clientRef == "r1")
            let incident = try IntakeSQL.incident("I00000001", jurisdiction: nil, db)
            #expect(incident?.callCount == 1 && incident?.lastCallAt == Date(timeIntervalSince1970: 0))
        }
    }
}

@Suite("the read API")
struct IntakeQueriesTests {
    @Test("IntakeQueries answers from a reader connection what the handlers recorded")
    func readAPI() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(phone: "13800002777", clientRef: "q-1"))
        let merged = try await h.accepted(call(phone: "13800002777", clientRef: "q-2"))
        let queries = h.queries
        #expect(try await queries.call(id: first.callId)?.clientRef == "q-1")
        #expect(try await queries.call(id: "C99999999") == nil)
        #expect(try await queries.incident(id: first.incidentId!)?.calls.map(\.callId) == [first.callId, merged.callId])
        #expect(try await queries.calls(CallQuery(outcome: "merged")).calls.map(\.callId) == [merged.callId])
        #expect(try await queries.caller(phone: "13800002777")?.calls == 2)
        #expect(try await queries.count(clientRefPrefix: "q-") == 2)
        #expect(try await queries.count(clientRefPrefix: "z-") == 0)
        #expect(try await queries.callers(flag: nil, limit: 10).isEmpty)
        #expect(try await queries.stats()["calls_merged_sameCaller"] == 1)
    }
}
