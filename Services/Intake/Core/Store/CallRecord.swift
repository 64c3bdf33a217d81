import Foundation
import GRDB
import Model

/// One call as recorded.
public struct CallRecord: Codable, Sendable, Hashable {
    public var callId: String
    public var receivedAt: Date
    public var channel: String?
    public var outcome: String
    public var status: Int?
    public var reasonCode: String?
    public var reasonField: String?
    public var reason: String?
    public var incidentId: String?
    public var category: String?
    public var categorySource: String?
    public var priority: Int?
    public var enterpriseRelated: Bool?
    public var casualties: Int?
    public var mergeReason: String?
    public var diversion: CallReceipt.Diversion?
    public var flags: [String]
    public var location: GridLocation?
    public var coordinate: Coordinate?
    public var address: String?
    public var caller: Caller?
    public var callTaker: String?
    public var clientRef: String?
    public var description: String?
    /// A diverted call's life at the 12345 platform (liaison's hand-off steps), on the call's read API.
    public var handoff: [HandoffChanged]?

    init(row: Row, jurisdiction: Jurisdiction?) {
        callId = row["id"]
        receivedAt = Date(timeIntervalSince1970: row["received_at"])
        channel = row["channel"]
        outcome = row["outcome"]
        status = row["status"]
        reasonCode = row["reason_code"]
        reasonField = row["reason_field"]
        reason = row["reason"]
        incidentId = row["incident_id"]
        category = row["category"]
        categorySource = row["category_source"]
        priority = row["priority"]
        enterpriseRelated = row["enterprise_related"]
        casualties = row["casualties"]
        mergeReason = row["merge_reason"]
        if let rule: String = row["diversion_rule"] {
            diversion = CallReceipt.Diversion(ruleId: rule, matter: row["diversion_matter"] ?? "", department: row["diversion_department"] ?? "")
        }
        flags = ((row["flags"] as String?) ?? "").split(separator: ",").map(String.init)
        if let gridId: String = row["grid_id"] {
            let grid = jurisdiction?.grid(gridId)
            location = GridLocation(
                gridId: gridId, stationId: row["station_id"] ?? grid?.stationId ?? "", postId: row["post_id"] ?? grid?.postId,
                regionId: row["region_id"] ?? "", urban: grid?.urban ?? false)
        }
        if let lat: Double = row["lat"], let lon: Double = row["lon"] { coordinate = Coordinate(lat: lat, lon: lon) }
        address = row["address"]
        let name: String? = row["caller_name"]
        let phone: String? = row["caller_phone"]
        caller = name == nil && phone == nil ? nil : Caller(name: name, phone: phone)
        callTaker = row["call_taker"]
        clientRef = row["client_ref"]
        description = row["description"]
    }

    /// The receipt this record answered with.
    public var receipt: CallReceipt {
        var r = CallReceipt(
            callId: callId, incidentId: incidentId, outcome: CallReceipt.Outcome(rawValue: outcome) ?? .opened, location: location,
            category: category.flatMap(Category.init(rawValue:)))
        r.priority = priority
        r.categorySource = categorySource
        r.enterpriseRelated = enterpriseRelated
        r.casualties = casualties
        r.mergeReason = mergeReason
        r.diversion = diversion
        r.flags = flags.isEmpty ? nil : flags
        return r
    }
}
