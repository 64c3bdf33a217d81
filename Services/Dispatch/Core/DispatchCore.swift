import EventStore
import Foundation
import GRDB
import Model
import Wire

/// dispatch (docs/dispatch.md): turns an opened incident into units on the road by the rules of
/// station-centred dispatch, keeps every unit's state, runs the service-level timers on event
/// time (`tx.now`), queues what cannot be sent and serves the queue as units come free.
///
/// This type only routes: each event and command goes to its handler (`Handlers/`), the
/// decisions are in `Rules/`, and every statement is in `Store/`.
public final class DispatchCore: ServiceCore {
    /// A batch from the field or from units, answered per item.
    public enum Command: Sendable {
        case field([FieldCommand])
        case units([UnitReport])
        /// A dispatcher's override (or the recommendations it starts from).
        case override(OverrideCommand)
    }

    /// How many items of a batch were accepted, and why the others were refused.
    public enum Reply: Sendable {
        case field(accepted: Int, refused: [FieldCommandError])
        case units(accepted: Int, refused: [FieldCommandError])
        case override(OverrideReply)
    }

    /// The city: regions, stations, grids, units, officers.
    public let jurisdiction: Jurisdiction
    /// The configurable rules (`dispatch-rules.json`).
    public let rules: DispatchRules
    /// The regions this instance serves (`--regions`).
    public let scope: RegionScope
    private let dispatcher: Dispatcher

    /// A core for `jurisdiction`; `observer` hears what the metrics need.
    public init(
        jurisdiction: Jurisdiction, rules: DispatchRules = .defaults, scope: RegionScope = .all,
        observer: DispatchObserver = DispatchObserver()
    ) {
        self.jurisdiction = jurisdiction
        self.rules = rules
        self.scope = scope
        dispatcher = Dispatcher(jurisdiction: jurisdiction, rules: rules, scope: scope, observer: observer)
    }

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        DispatchSchema.register(&migrator)
        OverrideSchema.register(&migrator)
        HoldSchema.register(&migrator)
    }

    public func load(_ db: Database) throws { try dispatcher.load(db) }

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {
        switch command {
        case .field(let commands):
            let refused = try Self.each(commands) { try dispatcher.report($0, tx) }
            return .field(accepted: commands.count - refused.count, refused: refused)
        case .units(let reports):
            let refused = try Self.each(reports) { try dispatcher.unitReport($0, tx) }
            return .units(accepted: reports.count - refused.count, refused: refused)
        case .override(let command):
            // An `OverrideRefusal` thrown here rolls the command back and is the caller's answer.
            return .override(try dispatcher.override(command, tx))
        }
    }

    /// Runs `body` on every item; a refused item is reported at its index and the rest go on. Any
    /// other error fails the whole batch (the engine rolls it back).
    private static func each<Item>(_ items: [Item], _ body: (Item) throws -> Void) throws -> [FieldCommandError] {
        var refused: [FieldCommandError] = []
        for (index, item) in items.enumerated() {
            do { try body(item) } catch let error as FieldCommandError { refused.append(error.at(index)) }
        }
        return refused
    }

    /// The types ``apply(_:in:)`` uses; the engine drops the rest before its transaction.
    /// A new case in `apply` must be added here, or the engine never delivers it.
    public static let appliedTypes: Set<String>? = [
        IncidentOpened.type, IncidentUpgraded.type, IncidentEnded.type, EnterpriseChanged.type, CoordinationAcknowledged.type,
    ]

    public func apply(_ event: Envelope, in tx: Transaction) throws {
        switch event.header.type {
        case IncidentUpgraded.type: return try dispatcher.upgrade(try tx.decode(IncidentUpgraded.self, from: event), tx)
        case IncidentEnded.type: return try dispatcher.ended(try tx.decode(IncidentEnded.self, from: event), tx)
        default: break
        }
        if try dispatcher.applyLiaison(event, tx) { return }
        guard event.header.type == IncidentOpened.type else { return }
        try dispatcher.open(try tx.decode(IncidentOpened.self, from: event), tx)
    }

    public func tick(in tx: Transaction) throws {
        try dispatcher.releaseTimedOutHolds(tx)
        try dispatcher.tick(tx)
    }

    // MARK: Introspection (tests)

    /// A unit's state as the core holds it.
    public func state(of unitId: String) -> UnitState? { dispatcher.fleet[unitId]?.state }

    /// Needs waiting, in the order they will be served.
    public var queued: [(incidentId: String, need: Need)] { dispatcher.queue.entries.map { ($0.incidentId, $0.need) } }
}
