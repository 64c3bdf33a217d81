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
        /// Redact personal data past its retention now (the engine's tick does it every sweep interval).
        case sweepPersonalData
    }

    public enum Reply: Sendable {
        case accepted(CallReceipt)
        /// The same `clientRef` was seen before: the first answer, nothing new recorded.
        case duplicate(CallReceipt)
        /// Recorded and rejected. `status`: 400 unreadable, 413 too large, 422 invalid.
        case rejected(callId: String, FieldError, status: Int = 422)
        /// A command that changed nothing (unknown call, call not waiting for review).
        case refused(status: Int, FieldError)
        /// A sweep: how many calls it redacted.
        case swept(redacted: Int)
    }

    public let rules: IntakeRules
    private var ids = RecordSequence()
    private let takeCall: TakeCall
    private let recordUnreadable: RecordUnreadable
    private let classifyCall: ClassifyCall
    private let incidentClosed: IncidentClosed
    private let diversionReturned: DiversionReturned
    private let reviewTimer: ReviewTimer

    private let callerKey: CallerKey
    private let personalData: PersonalDataRetention
    /// When the stores were last swept for personal data past its retention (event time).
    private var lastSweep: Date?

    /// `callerKey`: the deployment's secret for callers' keyed hashes (a core without one gets a
    /// key of its own, which does not survive a restart); `personalData`: how long callers' names
    /// and phones are kept in clear.
    public init(
        jurisdiction: Jurisdiction, addresses: [String: Coordinate], rules: IntakeRules = IntakeRules(), callerKey: CallerKey = .ephemeral(),
        personalData: PersonalDataRetention = PersonalDataRetention()
    ) {
        self.rules = rules
        self.callerKey = callerKey
        self.personalData = personalData
        let locator = CallLocator(jurisdiction: jurisdiction, addresses: addresses)
        let routing = CallRouting(rules: rules, callerKey: callerKey)
        takeCall = TakeCall(validator: CallValidator(jurisdiction: jurisdiction, rules: rules), locator: locator, routing: routing)
        recordUnreadable = RecordUnreadable(jurisdiction: jurisdiction, callerKey: callerKey)
        classifyCall = ClassifyCall(locator: locator, routing: routing)
        incidentClosed = IncidentClosed(merge: rules.merge)
        diversionReturned = DiversionReturned(locator: locator, routing: routing)
        reviewTimer = ReviewTimer(safetyNet: rules.safetyNet)
    }

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        IntakeSchema.migrate(&migrator)
        DiversionStore.migrate(&migrator)
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
        case .sweepPersonalData:
            .swept(redacted: try sweepPersonalData(tx))
        }
    }

    /// The types ``apply(_:in:)`` uses (a new case must be added here); the engine drops the rest.
    public static let appliedTypes: Set<String>? = [FieldReported.type, HandoffChanged.type]

    /// intake follows dispatch for the close of an incident, and liaison for a diverted call's
    /// life at the 12345 platform (a returned call reopens as an incident).
    public func apply(_ event: Envelope, in tx: Transaction) throws {
        switch event.header.type {
        case FieldReported.type: try incidentClosed.apply(event, tx)
        case HandoffChanged.type: try diversionReturned.apply(event, ids: &ids, tx)
        default: return
        }
    }

    /// Calls left for review too long escalate; personal data past its retention is redacted
    /// (at most once per sweep interval, and on the first tick after a start).
    public func tick(in tx: Transaction) throws {
        try reviewTimer.tick(tx)
        if lastSweep.map({ tx.now.timeIntervalSince($0) >= personalData.sweepInterval }) ?? true {
            try sweepPersonalData(tx)
        }
    }

    /// Redacts callers' names and phones received more than the retention period before now.
    @discardableResult
    func sweepPersonalData(_ tx: Transaction) throws -> Int {
        lastSweep = tx.now
        try PersonalDataStore.backfill(callerKey, tx)
        guard personalData.period > 0 else { return 0 }
        return try PersonalDataStore.redact(receivedBefore: tx.now.addingTimeInterval(-personalData.period), at: tx.now, tx)
    }

    /// A caller's keyed hash, for the read API's look-ups by phone.
    public func callerHash(_ phone: String) -> String { callerKey.hash(phone) }
}
