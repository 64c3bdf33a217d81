import EventStore
import GRDB
import Model
import Wire

/// The points ledger (110积分制) and the incident rows behind the KPIs.
///
/// scoring keeps every event it uses (the fact log) and derives, per incident, the incident row
/// and the awards as a pure function of that incident's facts and the rule table (``Derivation``).
/// An event marks its incident dirty; the engine's tick (and every command) re-derives dirty
/// incidents and writes the difference to the ledger, so the final ledger does not depend on the
/// order events arrive in, and a replayed event (same id) changes nothing.
///
/// This type only routes: `Handlers/` decide what an event or command does, `Rules/` computes,
/// `Store/` holds the SQL.
public final class ScoringCore: ServiceCore {
    /// What the App asks of the core (each one transaction on the engine).
    public enum Command: Sendable {
        /// Derives the dirty incidents now (reads that must see every applied event).
        case flush
        /// Re-derives the whole ledger from the fact log under `rules` (nil: the current table).
        case recompute(ScoringRules?)
        case complaint(ScoringAPI.ComplaintInput)
        case callback(ScoringAPI.CallbackInput)
        /// Publishes the reports of the periods that ended (what the tick does).
        case publishReports
    }

    /// The answer to each ``Command``.
    public enum Reply: Sendable {
        case flushed(Int)
        case recomputed(ScoringAPI.RecomputeSummary)
        case complaint(Complaint)
        case callback(Callback)
        case reports([ReportPublished])
    }

    public private(set) var rules: ScoringRules
    /// Each covered grid's arrival promise in seconds (`ArrivalPromise`, as dispatch's timer).
    let promises: [String: Double]

    /// `jurisdiction` gives each grid's arrival promise (the fastest response point covering it).
    public init(rules: ScoringRules = .defaults, jurisdiction: Jurisdiction? = nil) {
        self.rules = rules
        var promises: [String: Double] = [:]
        for grid in jurisdiction?.grids ?? [] where jurisdiction?.responseMinutes(grid: grid.id) != nil {
            promises[grid.id] = ArrivalPromise.seconds(grid: grid.id, in: jurisdiction)
        }
        self.promises = promises
    }

    /// Facts decoded by earlier derivations (an incident is re-derived as its facts arrive).
    let decoded = DecodedFacts()

    var deriver: IncidentDeriver { IncidentDeriver(rules: rules, promises: promises, decoded: decoded) }

    /// scoring's tables (Store/Schema.swift).
    public static func migrate(_ migrator: inout DatabaseMigrator) {
        ScoringSchema.migrate(&migrator)
        HandoffFacts.migrate(&migrator)
    }

    /// Nothing to rebuild: scoring's state is its tables.
    public func load(_ db: Database) throws {}

    // MARK: Events

    /// The types ``apply(_:in:)`` uses (a new case must be added here); the engine drops the rest.
    public static let appliedTypes: Set<String>? = [
        IncidentOpened.type, UnitAssigned.type, FieldReported.type, SLABreached.type, IncidentClosed.type, HandoffChanged.type,
        SupportChanged.type, IncidentUpgraded.type,
    ]

    /// Keeps the events scoring uses as facts of their incident (Handlers/, one per type); ignores the rest.
    public func apply(_ event: Envelope, in tx: Transaction) throws {
        switch event.header.type {
        case IncidentOpened.type: try IncidentOpenedHandler.apply(event, in: tx, cache: decoded)
        case IncidentUpgraded.type: try IncidentUpgradedHandler.apply(event, in: tx, cache: decoded)
        case UnitAssigned.type: try UnitAssignedHandler.apply(event, in: tx, cache: decoded)
        case FieldReported.type: try FieldReportedHandler.apply(event, in: tx, cache: decoded)
        case SLABreached.type: try SLABreachedHandler.apply(event, in: tx)
        case IncidentClosed.type: try IncidentClosedHandler.apply(event, in: tx)
        case HandoffChanged.type, SupportChanged.type: try HandoffFacts.apply(event, in: tx)
        default: return  // not a fact scoring keeps
        }
    }

    /// Derives what arrived since the last tick and publishes the reports of the periods that ended.
    public func tick(in tx: Transaction) throws {
        _ = try deriver.flush(tx)
        _ = try PublishReportsHandler.handle(rules: rules, in: tx)
    }

    // MARK: Commands

    /// Routes a command to its handler.
    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {
        switch command {
        case .flush:
            return .flushed(try deriver.flush(tx))
        case .publishReports:
            _ = try deriver.flush(tx)
            return .reports(try PublishReportsHandler.handle(rules: rules, in: tx))
        case .recompute(let newRules):
            // What arrived so far is derived under the old table first, so the summary counts
            // only what the new table changes.
            _ = try deriver.flush(tx)
            if let newRules { rules = newRules }
            return .recomputed(try RecomputeHandler.handle(deriver, in: tx))
        case .complaint(let input):
            return .complaint(try ComplaintHandler.handle(input, deriver, in: tx))
        case .callback(let input):
            return .callback(try CallbackHandler.handle(input, deriver, in: tx))
        }
    }
}
