import Foundation

/// Which dispatch instance a dispatcher's action goes to, when the set runs several
/// (`--dispatch-pub dispatch-north=…,dispatch-south=…` and `--dispatch-regions`; docs/dispatch.md,
/// "Several instances"). Pure: the console's routes ask it, the tests check it.
///
/// An instance applies the incidents of its regions (`unlocated` for those with no grid) and
/// commands the units of its regions (`city` for the units of no region: the city desk). So an
/// action on an incident goes to the instance serving the incident's region, except sending a
/// unit of no region, which only the city desk may do (and it applies every incident); an
/// escalation goes back to the instance that raised it, named in its id (`<instance>-<seq>`).
struct DispatchRouting: Sendable, Equatable {
    /// Instance names in the order given, each with its regions (`nil`: it serves everything).
    var instances: [(name: String, regions: Set<String>?)]

    static func == (a: DispatchRouting, b: DispatchRouting) -> Bool {
        a.instances.map(\.name) == b.instances.map(\.name) && a.instances.map(\.regions) == b.instances.map(\.regions)
    }

    /// A route that cannot be chosen: the message says why, `field` names the request's part.
    struct Refusal: Error, Equatable {
        var field: String
        var message: String
    }

    /// One instance serving everything (the usual single `dispatch`).
    static let single = DispatchRouting(instances: [("dispatch", nil)])

    /// Parses `--dispatch-regions` values, each `instance=R1,R2` (several in one value separated
    /// by `;`), against the instance names the endpoints gave. An instance not listed serves
    /// everything; a listed name that is no instance is an error.
    static func parse(names: [String], regions: [String]) throws -> DispatchRouting {
        var byName: [String: Set<String>] = [:]
        for value in regions {
            for item in value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw Refusal(field: "dispatch-regions", message: "'\(item)' is not <instance>=<region>,<region>…")
                }
                guard names.contains(parts[0]) else {
                    throw Refusal(
                        field: "dispatch-regions",
                        message: "'\(parts[0])' is not a dispatch instance (the endpoints name \(names.joined(separator: ", ")))")
                }
                byName[parts[0]] = Set(parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            }
        }
        return DispatchRouting(instances: names.map { ($0, byName[$0]) })
    }

    /// The instance serving incidents of `regionKey` (a region id, or `unlocated`).
    func owner(regionKey: String) throws -> String {
        if let listed = instances.first(where: { $0.regions?.contains(regionKey) == true }) { return listed.name }
        if let everything = instances.first(where: { $0.regions == nil }) { return everything.name }
        throw Refusal(field: "id", message: "no dispatch instance serves region \(regionKey)")
    }

    /// The instance to run an action on an incident of `regionKey`: the incident's instance,
    /// except sending a city-wide unit (the accident division, a PTU team: `CityDesk`), which
    /// only the city desk commands (and it applies every incident).
    func instance(incidentRegion regionKey: String, sendsCityWideUnit: Bool = false) throws -> String {
        if sendsCityWideUnit, let desk = instances.first(where: { $0.regions?.contains("city") == true }) { return desk.name }
        return try owner(regionKey: regionKey)
    }

    /// The instance that raised an escalation: its id is `<instance>-<seq>`.
    func instance(escalationId id: String) throws -> String {
        // The longest name first: `dispatch-north-2` must not be taken for `dispatch-north`.
        for name in instances.map(\.name).sorted(by: { $0.count > $1.count }) {
            let prefix = name + "-"
            if id.hasPrefix(prefix), id.dropFirst(prefix.count).allSatisfy(\.isNumber), id.count > prefix.count { return name }
        }
        throw Refusal(field: "id", message: "escalation '\(id)' names no dispatch instance this console follows")
    }
}
