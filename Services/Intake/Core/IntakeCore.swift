import EventStore
import Foundation
import GRDB
import Model
import Wire

/// intake's rules (DOMAIN.md §3.1–3.5, docs/intake.md): every call gets a record, even when it
/// is rejected, merged, diverted or left for review; it is validated per channel, classified,
/// located in a grid, merged into an open incident when it repeats one, diverted to 12345 when it
/// is not a police matter, and otherwise opens an incident (`incident.opened.<region>`).
///
/// This type only routes: decisions are in `Rules/`, SQL in `Store/`, each command and event in
/// its file in `Handlers/`.
public final class IntakeCore: ServiceCore {
    public enum Command: Sendable {
        /// A call, with the bytes it arrived as (kept as evidence; encoded anew when absent).
        case call(CallRequest, raw: [UInt8]? = nil)
        /// A call that could not be read as one: recorded as rejected, with what was readable.
        case unreadable(FieldError, status: Int, hints: CallParser.Hints, raw: [UInt8]?)
        /// The call-taker classifies a call left for review: it then opens, merges or is diverted.
        case classify(callId: String, category: Category, callTaker: String?)
    }

    public enum Reply: Sendable {
        case accepted(CallReceipt)
        /// The same `clientRef` was seen before: the first answer, nothing new recorded.
        case duplicate(CallReceipt)
        /// Recorded and rejected. `status`: 400 unreadable, 413 too large, 422 invalid.
        case rejected(callId: String, FieldError, status: Int = 422)
        /// A command that changed nothing (unknown call, call not waiting for review).
        case refused(status: Int, FieldError)
    }

    public let rules: IntakeRules
    private var ids = RecordSequence()
    private let takeCall: TakeCall
    private let recordUnreadable: RecordUnreadable
    private let classifyCall: ClassifyCall
    private let incidentClosed: IncidentClosed

    public init(jurisdiction: Jurisdiction, addresses: [String: Coordinate], rules: IntakeRules = IntakeRules()) {
        self.rules = rules
        let locator = CallLocator(jurisdiction: jurisdiction, addresses: addresses)
        let routing = CallRouting(rules: rules)
        takeCall = TakeCall(validator: CallValidator(jurisdiction: jurisdiction, rules: rules), locator: locator, routing: routing)
        recordUnreadable = RecordUnreadable(jurisdiction: jurisdiction)
        classifyCall = ClassifyCall(locator: locator, routing: routing)
        incidentClosed = IncidentClosed(merge: rules.merge)
    }

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        IntakeSchema.migrate(&migrator)
    }

    public func load(_ db: Database) throws {
        let last = try CallStore.lastNumbers(db)
        ids = RecordSequence(lastCall: last.call, lastIncident: last.incident)
    }

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {
        switch command {
        case .call(let request, let raw):
            try takeCall.handle(request, raw: raw, ids: &ids, tx)
        case .unreadable(let problem, let status, let hints, let raw):
            try recordUnreadable.handle(problem, status: status, hints: hints, raw: raw, ids: &ids, tx)
        case .classify(let callId, let category, let callTaker):
            try classifyCall.handle(callId: callId, category: category, callTaker: callTaker, ids: &ids, tx)
        }
    }

    /// The types ``apply(_:in:)`` uses (a new case must be added here); the engine drops the rest.
    public static let appliedTypes: Set<String>? = [FieldReported.type]

    /// intake follows dispatch only for the close of an incident.
    public func apply(_ event: Envelope, in tx: Transaction) throws {
        switch event.header.type {
        case FieldReported.type: try incidentClosed.apply(event, tx)
        default: return
        }
    }
}
