import Foundation

/// A period's hand-offs between organisations in scoring's reports (issue 19): the shares of
/// diversions the 12345 platform accepted, returned and resolved, by 12345 department, and the
/// specialised departments' on-time rates against their limits. A share or rate is absent when
/// there is nothing to measure (no diversion, no limit passed yet). `GET /v1/kpis/handoffs` has
/// the same figures with their numerators and denominators.
public struct HandoffSummary: Codable, Sendable, Hashable {
    /// The diversions of one 12345 department, or of `all` (listed first).
    public struct Diversions: Codable, Sendable, Hashable {
        public var department: String
        public var diversions: Int
        public var acceptedShare: Double?
        public var returnedShare: Double?
        public var resolvedShare: Double?
        /// Diversions with no receipt by the deadline (escalated to the duty call-taker).
        public var escalatedShare: Double?

        public init(
            department: String, diversions: Int, acceptedShare: Double?, returnedShare: Double?, resolvedShare: Double?, escalatedShare: Double?
        ) {
            self.department = department
            self.diversions = diversions
            self.acceptedShare = acceptedShare
            self.returnedShare = returnedShare
            self.resolvedShare = resolvedShare
            self.escalatedShare = escalatedShare
        }
    }

    /// The support requests to one specialised department, or to `all` (listed first).
    public struct Department: Codable, Sendable, Hashable {
        public var departmentId: String
        public var requests: Int
        /// Acknowledged within the department's limit, of the requests whose limit passed or that were acknowledged.
        public var acknowledgedOnTimeRate: Double?
        /// Answered within the department's limit, likewise.
        public var answeredOnTimeRate: Double?
        /// Mean answer time as a share of the limit (1.0: exactly at the limit).
        public var answerTimeOfLimit: Double?
        /// Limits passed without their step (escalated to the command centre).
        public var escalations: Int

        public init(
            departmentId: String, requests: Int, acknowledgedOnTimeRate: Double?, answeredOnTimeRate: Double?, answerTimeOfLimit: Double?,
            escalations: Int
        ) {
            self.departmentId = departmentId
            self.requests = requests
            self.acknowledgedOnTimeRate = acknowledgedOnTimeRate
            self.answeredOnTimeRate = answeredOnTimeRate
            self.answerTimeOfLimit = answerTimeOfLimit
            self.escalations = escalations
        }
    }

    public var diversions: [Diversions]
    public var departments: [Department]

    public init(diversions: [Diversions], departments: [Department]) {
        self.diversions = diversions
        self.departments = departments
    }
}
