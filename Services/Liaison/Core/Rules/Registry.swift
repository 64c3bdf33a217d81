import Foundation
import Model

/// The enterprise registry as liaison holds it in memory: every record, active and retired, and
/// the index of the active ones that incidents are matched against. Pure: the store persists
/// what these decisions produce.
public struct Registry: Sendable {
    public private(set) var records: [String: EnterpriseRecord] = [:]
    private var index = RegistryIndex([])

    public init(_ records: [EnterpriseRecord] = []) {
        for record in records { self.records[record.enterprise.id] = record }
        reindex()
    }

    public subscript(id: String) -> EnterpriseRecord? { records[id] }

    /// Every record, by id.
    public var sorted: [EnterpriseRecord] { records.values.sorted { $0.enterprise.id < $1.enterprise.id } }

    /// The active records, by id.
    public var active: [EnterpriseRecord] { sorted.filter { !$0.retired } }

    /// The enterprises an incident touches, and why.
    public func matches(place: IncidentPlace, namedEnterprise: String?) -> [Match] {
        index.matches(place: place, namedEnterprise: namedEnterprise)
    }

    /// Keeps `record` (after the store wrote it).
    public mutating func store(_ record: EnterpriseRecord) {
        records[record.enterprise.id] = record
        reindex()
    }

    private mutating func reindex() { index = RegistryIndex(records.values.filter { !$0.retired }.map(\.enterprise)) }

    /// A change to one record, as the store writes it and the event tells it.
    public struct Change: Sendable, Hashable {
        public var record: EnterpriseRecord
        public var change: EnterpriseChanged.Change
        /// No record had this id before.
        public var isNew: Bool
    }

    /// What registering `enterprise` at `now` changes: a new record, a new revision (re-registering
    /// a retired one), or `nil` when the registry already holds exactly this (a retry).
    public func registering(_ enterprise: Enterprise, at now: Date) -> Change? {
        guard let existing = records[enterprise.id] else {
            let record = EnterpriseRecord(enterprise: enterprise, revision: 1, retired: false, registeredAt: now, updatedAt: now)
            return Change(record: record, change: .registered, isNew: true)
        }
        if existing.enterprise == enterprise && !existing.retired { return nil }
        let record = EnterpriseRecord(
            enterprise: enterprise, revision: existing.revision + 1, retired: false,
            registeredAt: existing.registeredAt, updatedAt: now)
        return Change(record: record, change: existing.retired ? .registered : .updated, isNew: false)
    }

    /// What retiring `id` at `now` changes; `nil` when it is already retired.
    public func retiring(_ id: String, at now: Date) throws -> Change? {
        guard var record = records[id] else { throw LiaisonError.notFound("id", "no enterprise '\(id)'") }
        guard !record.retired else { return nil }
        record.retired = true
        record.revision += 1
        record.updatedAt = now
        return Change(record: record, change: .retired, isNew: false)
    }
}

extension EnterpriseRecord {
    /// The record as the registry list shows it.
    public var summary: EnterpriseSummary {
        let e = enterprise
        return EnterpriseSummary(
            id: e.id, name: e.name, gridId: e.gridId, scale: e.scale, liaisonOfficerId: e.liaisonOfficerId,
            deputyOfficerId: e.deputyOfficerId, stationedOfficerId: e.stationedOfficerId, majorProject: e.majorProject,
            zeroDisturbance: e.zeroDisturbance, revision: revision, retired: retired)
    }
}

/// An enterprise as the registry holds it.
public struct EnterpriseRecord: Codable, Sendable, Hashable {
    public var enterprise: Enterprise
    /// 1 when registered, +1 on every change.
    public var revision: Int
    public var retired: Bool
    public var registeredAt: Date
    public var updatedAt: Date
}
