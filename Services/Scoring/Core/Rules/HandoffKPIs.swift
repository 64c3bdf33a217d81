import Foundation
import Model
import Wire

/// Hand-offs between organisations, measured (issue 19 point 4): the share of diversions the
/// 12345 platform accepted, returned and resolved, by 12345 department (the originals'
/// 非警务警情甄别、转办和剥离能力), and specialised departments' answer times against their limits.
/// Pure: from the facts scoring keeps of `liaison.handoff` and `support.request`.
public struct HandoffKPIs: Codable, Sendable, Hashable {
    /// One diversion as scoring knows it.
    public struct Diversion: Sendable, Hashable {
        public var department: String
        public var accepted: Bool
        public var returned: Bool
        public var resolved: Bool
        public var escalated: Bool
        /// Seconds from delivery to the platform's first answer (accepted or returned).
        public var receiptSeconds: Double?

        public init(department: String, accepted: Bool, returned: Bool, resolved: Bool, escalated: Bool, receiptSeconds: Double?) {
            self.department = department
            self.accepted = accepted
            self.returned = returned
            self.resolved = resolved
            self.escalated = escalated
            self.receiptSeconds = receiptSeconds
        }
    }

    /// One support request as scoring knows it.
    public struct Support: Sendable, Hashable {
        public var departmentId: String
        public var kind: String
        /// The limits, seconds from the request.
        public var acknowledgeLimit: Double
        public var answerLimit: Double
        public var acknowledgeSeconds: Double?
        public var answerSeconds: Double?
        public var escalations: Int
        /// Seconds from the request to scoring's event-time now.
        public var elapsedSeconds: Double

        public init(
            departmentId: String, kind: String, acknowledgeLimit: Double, answerLimit: Double, acknowledgeSeconds: Double?, answerSeconds: Double?,
            escalations: Int, elapsedSeconds: Double
        ) {
            self.elapsedSeconds = elapsedSeconds
            self.departmentId = departmentId
            self.kind = kind
            self.acknowledgeLimit = acknowledgeLimit
            self.answerLimit = answerLimit
            self.acknowledgeSeconds = acknowledgeSeconds
            self.answerSeconds = answerSeconds
            self.escalations = escalations
        }
    }

    /// Diversions of one 12345 department (or `all`).
    public struct DiversionFigures: Codable, Sendable, Hashable {
        public var department: String
        public var diversions: Int
        public var acceptedShare: Ratio
        public var returnedShare: Ratio
        public var resolvedShare: Ratio
        /// Diversions with no receipt by the deadline.
        public var escalatedShare: Ratio
        public var receiptMeanSeconds: Double?
    }

    /// Support requests to one department (or `all`).
    public struct SupportFigures: Codable, Sendable, Hashable {
        public var departmentId: String
        public var requests: Int
        /// Acknowledged within the limit, of requests whose limit has passed or that were acknowledged.
        public var acknowledgedOnTimeRate: Ratio
        /// Answered within the limit, likewise.
        public var answeredOnTimeRate: Ratio
        public var acknowledgeMeanSeconds: Double?
        public var answerMeanSeconds: Double?
        /// Mean answer time as a share of the limit (1.0: exactly at the limit).
        public var answerTimeOfLimit: Double?
        public var escalations: Int
    }

    public var diversions: [DiversionFigures]
    public var support: [SupportFigures]

    /// A request still pending before its limit (`elapsedSeconds` at scoring's event time) counts in no rate yet.
    public init(diversions: [Diversion], support: [Support]) {
        func diversionFigures(_ name: String, _ ds: [Diversion]) -> DiversionFigures {
            let n = Double(ds.count)
            let receipts = ds.compactMap(\.receiptSeconds)
            return DiversionFigures(
                department: name, diversions: ds.count, acceptedShare: Ratio(Double(ds.filter(\.accepted).count), n),
                returnedShare: Ratio(Double(ds.filter(\.returned).count), n), resolvedShare: Ratio(Double(ds.filter(\.resolved).count), n),
                escalatedShare: Ratio(Double(ds.filter(\.escalated).count), n), receiptMeanSeconds: mean(receipts))
        }
        func supportFigures(_ id: String, _ rs: [Support]) -> SupportFigures {
            // An item counts once it met its limit or the limit has passed (pending items are left out).
            let ackDue = rs.filter { $0.acknowledgeSeconds != nil || $0.elapsedSeconds >= $0.acknowledgeLimit }
            let answerDue = rs.filter { $0.answerSeconds != nil || $0.elapsedSeconds >= $0.answerLimit }
            let ackOnTime = ackDue.filter { ($0.acknowledgeSeconds ?? .infinity) <= $0.acknowledgeLimit }.count
            let answerOnTime = answerDue.filter { ($0.answerSeconds ?? .infinity) <= $0.answerLimit }.count
            let ofLimit = rs.compactMap { r in r.answerSeconds.map { $0 / r.answerLimit } }
            return SupportFigures(
                departmentId: id, requests: rs.count, acknowledgedOnTimeRate: Ratio(Double(ackOnTime), Double(ackDue.count)),
                answeredOnTimeRate: Ratio(Double(answerOnTime), Double(answerDue.count)), acknowledgeMeanSeconds: mean(rs.compactMap(\.acknowledgeSeconds)),
                answerMeanSeconds: mean(rs.compactMap(\.answerSeconds)), answerTimeOfLimit: mean(ofLimit), escalations: rs.map(\.escalations).reduce(0, +))
        }
        let byDepartment = Dictionary(grouping: diversions, by: \.department)
        self.diversions = [diversionFigures("all", diversions)] + byDepartment.keys.sorted().map { diversionFigures($0, byDepartment[$0]!) }
        let byUnit = Dictionary(grouping: support, by: \.departmentId)
        self.support = [supportFigures("all", support)] + byUnit.keys.sorted().map { supportFigures($0, byUnit[$0]!) }
    }
}

extension HandoffKPIs {
    /// The figures a report carries (``ReportPublished/handoffs``): the shares and rates without
    /// their numerators and denominators; nil when the period had no diversion and no request.
    public var summary: HandoffSummary? {
        guard diversions.contains(where: { $0.diversions > 0 }) || support.contains(where: { $0.requests > 0 }) else { return nil }
        return HandoffSummary(
            diversions: diversions.map {
                HandoffSummary.Diversions(
                    department: $0.department, diversions: $0.diversions, acceptedShare: $0.acceptedShare.value, returnedShare: $0.returnedShare.value,
                    resolvedShare: $0.resolvedShare.value, escalatedShare: $0.escalatedShare.value)
            },
            departments: support.map {
                HandoffSummary.Department(
                    departmentId: $0.departmentId, requests: $0.requests, acknowledgedOnTimeRate: $0.acknowledgedOnTimeRate.value,
                    answeredOnTimeRate: $0.answeredOnTimeRate.value, answerTimeOfLimit: $0.answerTimeOfLimit, escalations: $0.escalations)
            })
    }
}

private func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }

extension ScoringAPI {
    /// Hand-offs between organisations: diversions' shares by 12345 department and departments'
    /// answer times against their limits (`GET /v1/kpis/handoffs`).
    public static let handoffKPIs = APIOperation<HandoffKPIQuery, HandoffKPIs>("kpis.handoffs")
}
