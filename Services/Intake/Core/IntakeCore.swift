import Bus
import EventStore
import Foundation
import GRDB
import Model

/// intake's rules: every call gets a record (even rejected), is located in a grid, and opens an
/// incident that intake publishes as `incident.opened.<region>`.
public final class IntakeCore: ServiceCore {
    public enum Command: Sendable {
        /// A call, with the bytes it arrived as (kept as evidence; encoded anew when absent).
        case call(CallRequest, raw: [UInt8]? = nil)
    }

    public enum Reply: Sendable {
        case accepted(CallReceipt)
        /// The same `clientRef` was seen before: the first answer, nothing new recorded.
        case duplicate(CallReceipt)
        case rejected(callId: String, FieldError)
    }

    let jurisdiction: Jurisdiction
    let addresses: [String: Coordinate]
    private var nextCall = 1
    private var nextIncident = 1
    private let recordEncoder = JSONCodec.encoder()

    public init(jurisdiction: Jurisdiction, addresses: [String: Coordinate]) {
        self.jurisdiction = jurisdiction
        self.addresses = addresses
    }

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("intake-v1") { db in
            try db.execute(sql: """
                CREATE TABLE calls (
                    id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, received_at REAL NOT NULL, channel TEXT NOT NULL,
                    outcome TEXT NOT NULL, reason_field TEXT, reason TEXT, incident_id TEXT, category TEXT,
                    grid_id TEXT, station_id TEXT, region_id TEXT, lat REAL, lon REAL, address TEXT,
                    caller_name TEXT, caller_phone TEXT, call_taker TEXT, client_ref TEXT UNIQUE, request TEXT NOT NULL);
                CREATE INDEX calls_incident ON calls(incident_id);
                CREATE TABLE incidents (
                    id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, opened_at REAL NOT NULL, call_id TEXT NOT NULL,
                    category TEXT NOT NULL, status TEXT NOT NULL, region_id TEXT, grid_id TEXT, lat REAL, lon REAL);
                """)
        }
    }

    public func load(_ db: Database) throws {
        nextCall = (try Int.fetchOne(db, sql: "SELECT MAX(n) FROM calls") ?? 0) + 1
        nextIncident = (try Int.fetchOne(db, sql: "SELECT MAX(n) FROM incidents") ?? 0) + 1
    }

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {
        switch command {
        case .call(let request, let raw): try takeCall(request, raw: raw, tx)
        }
    }

    public func apply(_ event: Envelope, in tx: Transaction) throws {
        // dispatch's lifecycle: a closed incident no longer takes repeat calls.
        guard event.header.type == FieldReported.type, event.topic.hasPrefix("dispatch.field.closed.") else { return }
        let report = try tx.decode(FieldReported.self, from: event)
        if report.stage == .closed {
            try tx.run("UPDATE incidents SET status = 'closed' WHERE id = ?", [report.incidentId])
        }
    }

    // MARK: Calls

    private func takeCall(_ request: CallRequest, raw: [UInt8]?, _ tx: Transaction) throws -> Reply {
        if let ref = request.clientRef, let existing = try receipt(clientRef: ref, tx.db) {
            return .duplicate(existing)
        }
        let callId = Self.identifier("C", nextCall)
        let receivedAt = request.receivedAt ?? tx.now
        let json = String(decoding: try raw ?? Array(recordEncoder.encode(request)), as: UTF8.self)
        var located: GridLocation?
        var coordinate = request.location?.coordinate
        let problem: FieldError? = {
            if let c = coordinate {
                guard c.isValid else { return FieldError(field: "location", reason: "lat/lon out of range") }
                located = jurisdiction.locate(c)
                if located == nil { return FieldError(field: "location", reason: "(\(c.lat), \(c.lon)) is outside the jurisdiction") }
            } else if let address = request.location?.address, let c = addresses[address] {
                coordinate = c
                located = jurisdiction.locate(c)
            }
            if receivedAt.timeIntervalSince(tx.now) > 300 {
                return FieldError(field: "receivedAt", reason: "is more than 5 minutes in the future")
            }
            return nil
        }()
        let category = request.categoryHint ?? .helpRequest
        var incidentId: String?
        if problem == nil {
            incidentId = Self.identifier("I", nextIncident)
        }
        try tx.run("""
            INSERT INTO calls (id, n, received_at, channel, outcome, reason_field, reason, incident_id, category, grid_id, station_id, region_id,
                               lat, lon, address, caller_name, caller_phone, call_taker, client_ref, request)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                callId, nextCall, receivedAt.timeIntervalSince1970, request.channel.rawValue,
                problem == nil ? "opened" : "rejected", problem?.field, problem?.reason, incidentId, category.rawValue,
                located?.gridId, located?.stationId, located?.regionId, coordinate?.lat, coordinate?.lon, request.location?.address,
                request.caller?.name, request.caller?.phone, request.callTaker, request.clientRef, json,
            ])
        nextCall += 1
        if let problem { return .rejected(callId: callId, problem) }
        let id = incidentId!
        try tx.run("""
            INSERT INTO incidents (id, n, opened_at, call_id, category, status, region_id, grid_id, lat, lon)
            VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)
            """, [id, nextIncident, receivedAt.timeIntervalSince1970, callId, category.rawValue, located?.regionId, located?.gridId, coordinate?.lat, coordinate?.lon])
        nextIncident += 1
        try tx.emit(IncidentOpened(
            incidentId: id, callId: callId, channel: request.channel, category: category, priority: Self.priority(category),
            place: IncidentPlace(coordinate: coordinate, address: request.location?.address, grid: located),
            caller: request.caller, description: request.description, callTaker: request.callTaker,
            casualties: request.casualties ?? 0, partiesConsent: request.partiesConsent ?? false,
            enterpriseId: request.enterpriseId, receivedAt: receivedAt))
        return .accepted(CallReceipt(callId: callId, incidentId: id, outcome: .opened, location: located, category: category))
    }

    private func receipt(clientRef: String, _ db: Database) throws -> CallReceipt? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, incident_id, outcome, category, grid_id, station_id, region_id FROM calls WHERE client_ref = ?"), arguments: [clientRef]) else { return nil }
        let gridId: String? = row["grid_id"]
        var location: GridLocation?
        if let gridId, let grid = jurisdiction.grid(gridId) {
            location = GridLocation(gridId: gridId, stationId: row["station_id"], postId: grid.postId, regionId: row["region_id"], urban: grid.urban)
        }
        return CallReceipt(callId: row["id"], incidentId: row["incident_id"], outcome: CallReceipt.Outcome(rawValue: row["outcome"]) ?? .opened,
                           location: location, category: (row["category"] as String?).flatMap(Category.init(rawValue:)))
    }

    /// `C00000042`: a prefix and 8 digits.
    static func identifier(_ prefix: String, _ n: Int) -> String {
        let digits = String(n)
        return prefix + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// 1 is most urgent.
    public static func priority(_ category: Category) -> Int {
        switch category {
        case .criminal, .accidentCasualty: 1
        case .publicOrder, .accidentMinor: 2
        case .dispute, .helpRequest: 3
        case .nonPolice: 4
        }
    }
}
