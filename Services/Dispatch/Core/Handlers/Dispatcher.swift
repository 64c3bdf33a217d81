import EventStore
import Foundation
import GRDB
import Model

/// dispatch's working state in memory (every unit, the incidents still open, the queue) and the
/// steps the handlers share. The store is the durable copy: every change here is written in the
/// same transaction (`DispatchStore`), and `load` rebuilds this from it.
///
/// The handlers are extensions, one file per inbound event or command: `IncidentOpenedHandler`,
/// `FieldReportHandler`, `UnitReportHandler`, `TimerTick`.
final class Dispatcher {
    let jurisdiction: Jurisdiction
    let rules: DispatchRules
    let scope: RegionScope
    let policy: DispatchPolicy
    let shifts: ShiftClock
    let chiefs: ChiefSelection
    let handovers: HandoverRule
    /// Which neighbouring regions' units a saturated region may borrow.
    let borrowing: BorrowRule
    let observer: DispatchObserver

    var fleet = Fleet([])
    var incidents: [String: ActiveIncident] = [:]
    var queue = WaitingQueue()
    /// A unit came free or back on duty since the queue was last served: the next tick serves it.
    var queueRetryDue = false
    /// The local minute shifts were last applied at (shifts change on the minute).
    var lastShiftMinute: Int?
    /// Zero-disturbance sites (from liaison) and the incidents held at them.
    var sites = ZeroDisturbanceSites()
    var holds: [String: HeldIncident] = [:]

    init(jurisdiction: Jurisdiction, rules: DispatchRules, scope: RegionScope, observer: DispatchObserver) {
        self.jurisdiction = jurisdiction
        self.rules = rules
        self.scope = scope
        self.observer = observer
        policy = DispatchPolicy(jurisdiction: jurisdiction)
        shifts = ShiftClock(rules.shifts)
        chiefs = ChiefSelection(jurisdiction: jurisdiction)
        handovers = HandoverRule(jurisdiction: jurisdiction, scope: scope)
        borrowing = BorrowRule(jurisdiction: jurisdiction)
    }

    func load(_ db: Database) throws {
        let state = try LoadedState.load(db, jurisdiction: jurisdiction)
        fleet = state.fleet
        incidents = state.incidents
        queue = state.queue
        fileQueue()
        queueRetryDue = !queue.isEmpty
        lastShiftMinute = nil
        let zeroDisturbance = try HoldSchema.load(db)
        sites = ZeroDisturbanceSites(zeroDisturbance.sites)
        holds = Dictionary(zeroDisturbance.holds.map { ($0.incidentId, $0) }, uniquingKeysWith: { _, last in last })
        observer.queueLength(queue.count)
    }

    /// The centre station of the incident's region (where escalations go).
    func centreStation(of grid: GridLocation?) -> String? {
        grid.flatMap { jurisdiction.regions[$0.regionId]?.centreStationId }
    }

    /// One line of an incident's timeline.
    func note(_ incidentId: String, _ kind: String, _ unitId: String?, _ detail: String, _ tx: Transaction) throws {
        try DispatchStore.timeline(incidentId, kind, unitId, detail, tx)
    }
}
