import Foundation
import Model

/// An incident as the hotspot report counts it: where, when received, what.
public struct HotspotIncident: Sendable, Hashable {
    public var gridId: String
    public var stationId: String?
    /// Receipt time, seconds since 1970.
    public var start: Double
    public var category: String?

    public init(gridId: String, stationId: String?, start: Double, category: String?) {
        self.gridId = gridId
        self.stationId = stationId
        self.start = start
        self.category = category
    }
}

/// Incident hotspots by area, time of day and type, with a patrol plan (社会风险质控).
public struct HotspotReport: Codable, Sendable, Hashable {
    public var period: Period
    public var previous: Period
    public var incidents: Int
    /// Every grid × hour × category cell with an incident in the period or the previous one.
    public var cells: [HotspotCell]
    public var top: [HotspotCell]
    /// For the next period: each station's grids and hours to patrol (有警接警、无警巡逻).
    public var patrolPlan: [StationPatrolPlan]

    /// Incidents received in `period` (`now`), counted by grid × local hour of receipt × category;
    /// the top `top` cells by count (ties: larger rise, then grid, hour, category); the trend is the
    /// count minus the previous period's (`before`). Patrol plan: per station, the grids of its top
    /// cells, each with the hours (of any category) holding at least `minimum` incidents in the
    /// period, busiest first, at most `slotsPerStation` grids.
    public init(
        period: Period, previous: Period, now: [HotspotIncident], before: [HotspotIncident], timeZone: TimeZone,
        top: Int = 10, minimum: Int = 1, slotsPerStation: Int = 3
    ) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let current = Tally(now, calendar)
        let earlier = Tally(before, calendar)
        let cells = Set(current.cells.keys).union(earlier.cells.keys).map { k in
            HotspotCell(
                gridId: k.grid, stationId: current.stations[k.grid] ?? earlier.stations[k.grid], hour: k.hour, category: k.category,
                count: current.cells[k] ?? 0, previous: earlier.cells[k] ?? 0, trend: (current.cells[k] ?? 0) - (earlier.cells[k] ?? 0))
        }.sorted { ($0.gridId, $0.hour, $0.category) < ($1.gridId, $1.hour, $1.category) }
        let topCells = cells.filter { $0.count > 0 }.sorted { a, b in
            if a.count != b.count { return a.count > b.count }
            if a.trend != b.trend { return a.trend > b.trend }
            return (a.gridId, a.hour, a.category) < (b.gridId, b.hour, b.category)
        }.prefix(top)
        var plan: [String: [PatrolSlot]] = [:]
        var byGridHour: [String: [Int: Int]] = [:]
        for (k, n) in current.cells { byGridHour[k.grid, default: [:]][k.hour, default: 0] += n }
        for cell in topCells {
            guard let station = cell.stationId else { continue }
            let slots = plan[station] ?? []
            guard !slots.contains(where: { $0.gridId == cell.gridId }), slots.count < slotsPerStation else { continue }
            let hours = (byGridHour[cell.gridId] ?? [:]).filter { $0.value >= minimum }
                .sorted { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }
            plan[station, default: []].append(PatrolSlot(gridId: cell.gridId, hours: hours.map(\.key), incidents: hours.map(\.value).reduce(0, +)))
        }
        self.period = period
        self.previous = previous
        incidents = current.total
        self.cells = cells
        self.top = Array(topCells)
        patrolPlan = plan.keys.sorted().map { StationPatrolPlan(stationId: $0, slots: plan[$0]!) }
    }

    /// The report as CSV: one line per cell, then the patrol plan.
    public var csv: String {
        var lines = ["section,gridId,stationId,hour,category,count,previous,trend,top"]
        let top = Set(self.top)
        for c in cells {
            let fields = [
                c.gridId, c.stationId ?? "", "\(c.hour)", c.category, "\(c.count)", "\(c.previous)", "\(c.trend)",
                top.contains(c) ? "1" : "0",
            ]
            lines.append("cell," + fields.joined(separator: ","))
        }
        for p in patrolPlan {
            for s in p.slots {
                lines.append("patrol,\(s.gridId),\(p.stationId),\(s.hours.map(String.init).joined(separator: " ")),,\(s.incidents),,,")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One period's counts per cell, and each grid's station.
    struct Tally {
        struct Key: Hashable {
            var grid: String
            var hour: Int
            var category: String
        }

        var cells: [Key: Int] = [:]
        var stations: [String: String] = [:]
        var total = 0

        init(_ incidents: [HotspotIncident], _ calendar: Calendar) {
            for i in incidents {
                let hour = calendar.component(.hour, from: Date(timeIntervalSince1970: i.start))
                cells[Key(grid: i.gridId, hour: hour, category: i.category ?? "unknown"), default: 0] += 1
                if let s = i.stationId { stations[i.gridId] = s }
                total += 1
            }
        }
    }
}
