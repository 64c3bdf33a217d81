import Foundation
import Model
import Wire

/// dispatch's operations (docs/dispatch.md): each is answered the same way over HTTP and the
/// ROUTER (`[{"op": name, "id": …}, <input>]`). `field` and `units` are the names the CLI and the
/// load generator send.
public enum DispatchAPI {
    /// `POST /v1/field`: field units report on their incidents.
    public static let field = APIOperation<FieldBatch, FieldResult>("field")
    /// `POST /v1/units`: units report their position or duty.
    public static let units = APIOperation<UnitBatch, FieldResult>("units")
    /// `GET /v1/incidents/:id`.
    public static let incident = APIOperation<IncidentQuery, IncidentView>("incident")
    /// `GET /v1/incidents/:id/timeline`.
    public static let timeline = APIOperation<IncidentQuery, IncidentTimeline>("timeline")
    /// `GET /v1/incidents`.
    public static let incidents = APIOperation<IncidentListQuery, IncidentList>("incidents")
    /// `GET /v1/units`.
    public static let unitBoard = APIOperation<UnitBoardQuery, [UnitBoardEntry]>("unit-board")
    /// `GET /v1/queue`.
    public static let queue = APIOperation<NoBody, [QueuedView]>("queue")
    /// `GET /v1/stats`.
    public static let stats = APIOperation<NoBody, [String: Int]>("stats")
}

/// `{"commands": [...]}`.
public struct FieldBatch: Codable, Sendable, Hashable {
    public var commands: [FieldCommand]
    public init(commands: [FieldCommand]) { self.commands = commands }
}

/// `{"units": [...]}`.
public struct UnitBatch: Codable, Sendable, Hashable {
    public var units: [UnitReport]
    public init(units: [UnitReport]) { self.units = units }
}

/// The answer to a batch: how many items were accepted, and why the others were refused. A
/// refusal is an answer, not an error: the accepted items are recorded either way.
public struct FieldResult: Codable, Sendable, Hashable {
    public var accepted: Int
    public var refused: [FieldCommandError]

    public init(accepted: Int, refused: [FieldCommandError]) {
        self.accepted = accepted
        self.refused = refused
    }

    /// The answer to a batch the core handled.
    public init(_ reply: DispatchCore.Reply) {
        switch reply {
        case .field(let accepted, let refused), .units(let accepted, let refused): self.init(accepted: accepted, refused: refused)
        case .override: self.init(accepted: 0, refused: [])
        }
    }

    /// 200 when every item was accepted, 207 when some were, 409 when none was.
    public var status: Int { refused.isEmpty ? 200 : (accepted == 0 ? 409 : 207) }
}

/// One incident, by id (the path parameter).
public struct IncidentQuery: Codable, Sendable, Hashable {
    public var id: String
    public init(id: String) { self.id = id }
}

/// `?status=&region=&station=&limit=`: incidents with this status (default: every one not
/// closed), of this region, of this station or commanded by it; at most `limit` (default 500,
/// at most 5000), oldest first.
public struct IncidentListQuery: Codable, Sendable, Hashable {
    public var status: String?
    public var region: String?
    public var station: String?
    public var limit: Int?

    public init(status: String? = nil, region: String? = nil, station: String? = nil, limit: Int? = nil) {
        self.status = status
        self.region = region
        self.station = station
        self.limit = limit
    }
}

/// `?region=&station=&state=`: the units of this region, of this station or squadron, in this state.
public struct UnitBoardQuery: Codable, Sendable, Hashable {
    public var region: String?
    public var station: String?
    public var state: String?

    public init(region: String? = nil, station: String? = nil, state: String? = nil) {
        self.region = region
        self.station = station
        self.state = state
    }

    /// Whether `entry` is on the board this query asks for (`station` matches a station or a squadron).
    public func admits(_ entry: UnitBoardEntry) -> Bool {
        if let region, entry.regionId != region { return false }
        if let station, entry.stationId != station && entry.squadronId != station { return false }
        if let state, entry.state != state { return false }
        return true
    }
}
