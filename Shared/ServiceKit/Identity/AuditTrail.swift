import EventStore
import Foundation
import Logging
import Model
import Wire

/// Every write a service is asked for, allowed or refused, as an ``AuditRecorded`` event in its
/// own outbox (topic `audit.<service>`): published and replayed like its other events, and
/// queried by supervisors at `GET /v1/audit`.
public struct AuditTrail: Sendable {
    let service: String
    private let commit: @Sendable (AuditRecorded) -> Void
    /// Whether an allowed write's record can commit in the write's own transaction (an engine's trail).
    private let transactional: Bool

    public init<Core: ServiceCore>(engine: Engine<Core>, service: String) {
        self.service = service
        commit = { event in engine.record { tx in _ = try tx.emit(event) } }
        transactional = true
    }

    /// A trail that hands its records to `commit` (tests).
    public init(service: String, commit: @escaping @Sendable (AuditRecorded) -> Void) {
        self.service = service
        self.commit = commit
        transactional = false
    }

    /// Records one request. Queued for the engine's next transaction before the answer is sent.
    public func record(
        _ principal: Principal?, action: String, target: String, client: String?, outcome: AuditRecorded.Outcome, status: Int,
        reason: String? = nil
    ) {
        commit(event(principal, action: action, target: target, client: client, outcome: outcome, status: status, reason: reason))
    }

    func event(
        _ principal: Principal?, action: String, target: String, client: String?, outcome: AuditRecorded.Outcome, status: Int, reason: String?
    ) -> AuditRecorded {
        AuditRecorded(
            service: service, principal: principal?.subject ?? "anonymous", roles: (principal?.roles ?? []).map(\.rawValue).sorted(),
            action: action, target: target, client: client ?? principal?.client, outcome: outcome, status: status, reason: reason,
            recordedAt: Date())
    }

    /// Runs `body` (the answering of an allowed write) so that its record commits in the same
    /// transaction as the first change it makes: a crash cannot leave the write without its
    /// record. That record says status 200 (done: the answer's own code, 201 or 207, is chosen
    /// after the commit). When nothing was written (the core refused and rolled back, a
    /// duplicate), the record is made after the answer with its status, as `record` does.
    public func recordingWrite<Result: Sendable>(
        _ principal: Principal, action: String, target: String, client: String?, reason: String?,
        _ body: @Sendable () async -> Result, status: @Sendable (Result) -> Int
    ) async -> Result {
        guard transactional else {
            let result = await body()
            let code = status(result)
            record(principal, action: action, target: target, client: client, outcome: code == 401 || code == 403 ? .refused : .allowed,
                   status: code, reason: reason)
            return result
        }
        let written = event(principal, action: action, target: target, client: client, outcome: .allowed, status: 200, reason: reason)
        let companion = WriteCompanion { tx in _ = try tx.emit(written) }
        let result = await WriteCompanion.$current.withValue(companion) { await body() }
        if !companion.committed {
            let code = status(result)
            record(principal, action: action, target: target, client: client, outcome: code == 401 || code == 403 ? .refused : .allowed,
                   status: code, reason: reason)
        }
        return result
    }
}

/// `GET /v1/audit`: the audit events still in the outbox, newest first, filtered.
struct AuditQuery: Codable, Sendable {
    var principal: String?
    /// A part of the action (`recompute`, `POST /v1/complaints`).
    var action: String?
    var outcome: AuditRecorded.Outcome?
    var since: Date?
    var limit: Int?

    /// The newest matches, from the log's audit trail (kept beyond the outbox's retention).
    func run(on log: any EventLog) async throws -> [AuditRecorded] {
        let wanted = min(max(limit ?? 100, 1), 1000)
        var found: [AuditRecorded] = []
        var before: UInt64? = nil
        let page = 2_000
        let decoder = JSONCodec.decoder()
        while found.count < wanted {
            let batch = try log.auditTrail(before: before, limit: page)
            for event in batch {
                guard let record = try? decoder.decode(AuditRecorded.self, from: Data(event.payload)) else { continue }
                if let since, record.recordedAt < since { return found }
                if let principal, record.principal != principal { continue }
                if let action, !record.action.contains(action) { continue }
                if let outcome, record.outcome != outcome { continue }
                found.append(record)
                if found.count == wanted { break }
            }
            guard batch.count == page, let last = batch.last else { break }
            before = last.seq
        }
        return found
    }
}

/// The answer of `GET /v1/audit`.
struct AuditList: Codable, Sendable {
    var records: [AuditRecorded]
}
