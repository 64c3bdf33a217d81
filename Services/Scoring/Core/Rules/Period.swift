import Foundation
import Wire

/// A period of event time: `[from, to)`.
public struct Period: Codable, Sendable, Hashable {
    /// A calendar day, ISO week or month (city local time), a custom range, or all time.
    public enum Kind: String, Codable, Sendable, CaseIterable { case day, week, month, range, all }
    public var kind: Kind
    public var from: Date
    public var to: Date

    public init(kind: Kind, from: Date, to: Date) {
        self.kind = kind
        self.from = from
        self.to = to
    }

    /// The calendar day, ISO week (Monday first) or month containing `date`, in `timeZone`.
    public static func containing(_ date: Date, kind: Kind, timeZone: TimeZone) -> Period {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        cal.firstWeekday = 2
        cal.minimumDaysInFirstWeek = 4
        switch kind {
        case .day:
            let from = cal.startOfDay(for: date)
            return Period(kind: .day, from: from, to: cal.date(byAdding: .day, value: 1, to: from)!)
        case .week:
            let from = cal.dateInterval(of: .weekOfYear, for: date)!.start
            return Period(kind: .week, from: from, to: cal.date(byAdding: .day, value: 7, to: from)!)
        case .month:
            let i = cal.dateInterval(of: .month, for: date)!
            return Period(kind: .month, from: i.start, to: i.end)
        case .range, .all:
            return Period(kind: kind, from: date, to: date)
        }
    }

    /// The period just before: the previous day, week or month; for a range, the same length before it.
    /// All time has nothing before it: the empty period at its start.
    public func previous(timeZone: TimeZone) -> Period {
        switch kind {
        case .day, .week, .month: return Period.containing(from.addingTimeInterval(-1), kind: kind, timeZone: timeZone)
        case .range: return Period(kind: kind, from: from.addingTimeInterval(-to.timeIntervalSince(from)), to: from)
        case .all: return Period(kind: .all, from: from, to: from)
        }
    }

    /// The same period one year earlier (同比): the same calendar day or month of the previous
    /// year, the ISO week 52 weeks before (same weekdays), a range shifted by one calendar year.
    /// All time has no year before it: the empty period at its start.
    public func yearEarlier(timeZone: TimeZone) -> Period {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        func yearBefore(_ d: Date) -> Date { cal.date(byAdding: .year, value: -1, to: d)! }
        switch kind {
        case .day, .month: return Period.containing(yearBefore(from), kind: kind, timeZone: timeZone)
        case .week: return Period.containing(from.addingTimeInterval(-52 * 7 * 86400), kind: .week, timeZone: timeZone)
        case .range: return Period(kind: .range, from: yearBefore(from), to: yearBefore(to))
        case .all: return Period(kind: .all, from: from, to: from)
        }
    }

    public static let everything = Period(kind: .all, from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 1e11))

    /// All time as the data spans it: from the earliest event scoring keeps to just after the
    /// latest (so a report names a real range, not year 5138); empty at 1970 when there is none.
    public static func all(earliest: Date?, latest: Date?) -> Period {
        guard let latest else { return Period(kind: .all, from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 0)) }
        return Period(kind: .all, from: min(earliest ?? latest, latest), to: latest.addingTimeInterval(1))
    }
}

/// The grouping levels of rankings and KPIs.
public enum Level: String, Codable, Sendable, CaseIterable {
    case officer, unit, station, post, region, grid, city
}

/// Which period a read asks for, as the request names it: `period=day|week|month` with
/// `date=YYYY-MM-DD`, `period=range` (implied by `from`) with `from`/`to` (ISO-8601), or `all`.
public struct PeriodSelection: Sendable, Hashable {
    public var kind: Period.Kind?
    /// A day in the city's local time, `YYYY-MM-DD`.
    public var date: String?
    public var from: String?
    public var to: String?

    public init(kind: Period.Kind? = nil, date: String? = nil, from: String? = nil, to: String? = nil) {
        self.kind = kind
        self.date = date
        self.from = from
        self.to = to
    }

    /// The period in event time. A day, week or month defaults to the one holding `latestEvent`
    /// (the latest event scoring has seen), never the wall clock, so a replayed day reads the same.
    /// All time is the span of the data: `earliestEvent` to just after `latestEvent`.
    public func resolve(
        default fallback: Period.Kind, latestEvent: Date?, earliestEvent: Date? = nil, timeZone: TimeZone
    ) throws(ScoringRefusal) -> Period {
        let kind = self.kind ?? (from != nil ? .range : fallback)
        switch kind {
        case .all:
            return .all(earliest: earliestEvent, latest: latestEvent)
        case .range:
            guard let f = from.flatMap(EventTime.date), let t = to.flatMap(EventTime.date), f < t else {
                throw .invalid("a range needs from < to, ISO-8601 (e.g. 2026-11-01T00:00:00Z)", field: "from")
            }
            return Period(kind: .range, from: f, to: t)
        case .day, .week, .month:
            var anchor = latestEvent ?? Date(timeIntervalSince1970: 0)
            if let date {
                let format = DateFormatter()
                format.locale = Locale(identifier: "en_US_POSIX")
                format.timeZone = timeZone
                format.dateFormat = "yyyy-MM-dd"
                guard let day = format.date(from: date) else { throw .invalid("date: '\(date)' is not YYYY-MM-DD", field: "date") }
                anchor = day
            }
            return Period.containing(anchor, kind: kind, timeZone: timeZone)
        }
    }
}
