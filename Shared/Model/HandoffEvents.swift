import Foundation

// Hand-offs between organisations (issue 19, docs/liaison.md "Hand-offs"): a diverted call
// delivered to the 12345 platform and its answers, a returned call reopened by intake, and
// specialised departments' support to stations (派出所有所呼、直属单位有所应).

/// A diverted call delivered to the 12345 platform through the integrator gateway
/// (`handoff.12345.<region>`). The only integrator-facing topic with personal data: the caller's
/// contact, which the platform needs to act. Only a key granted `handoff.12345.` receives it.
public struct HandoffDelivered: EventPayload, Hashable {
    public static let type = "handoff.12345"
    public static let version = 1
    /// intake's call id: the reference the platform quotes in every answer.
    public var callId: String
    public var matter: String
    /// The 12345 department the diversion rule names.
    public var department: String
    public var ruleId: String
    public var description: String?
    /// The caller's name and phone: personal data, for the platform's call-back.
    public var caller: Caller?
    public var place: IncidentPlace
    /// The 12345 work order the call came with, when it was a referral.
    public var referral: Referral?
    public var receivedAt: Date
    public var divertedAt: Date
    /// The platform must acknowledge (`accepted` or `returned`) by then, or the duty call-taker is alerted.
    public var answerBy: Date

    public init(
        callId: String, matter: String, department: String, ruleId: String, description: String?, caller: Caller?, place: IncidentPlace,
        referral: Referral?, receivedAt: Date, divertedAt: Date, answerBy: Date
    ) {
        self.callId = callId
        self.matter = matter
        self.department = department
        self.ruleId = ruleId
        self.description = description
        self.caller = caller
        self.place = place
        self.referral = referral
        self.receivedAt = receivedAt
        self.divertedAt = divertedAt
        self.answerBy = answerBy
    }

    public var routingKey: String? { place.grid?.regionId ?? "unlocated" }
    public var correlationId: String? { callId }
    public var eventTime: Date { divertedAt }
}

/// One step in a diversion's life at liaison (`liaison.handoff.<transition>.<region>`): delivered,
/// each answer of the platform, or an escalation to the duty call-taker. No personal data.
public struct HandoffChanged: EventPayload, Hashable {
    public static let type = "liaison.handoff"
    public static let version = 1
    public enum Transition: String, Codable, Sendable, CaseIterable {
        /// Sent to the platform; `answerBy` is the receipt deadline.
        case delivered
        /// The platform took it on (`workOrderId`).
        case accepted
        /// A police matter after all (`reason`): intake reopens it as an incident.
        case returned
        /// The platform dealt with it (`outcome`).
        case resolved
        /// No receipt by `answerBy`: the duty call-taker is alerted (`escalatedTo`).
        case escalated
    }
    public var callId: String
    public var transition: Transition
    public var department: String
    public var matter: String
    /// Who acted: the platform's key name, or `liaison` for a delivery or escalation.
    public var by: String
    public var workOrderId: String?
    public var reason: String?
    public var outcome: String?
    /// For `returned`: the police category the platform suggests, if any.
    public var category: Category?
    public var escalatedTo: String?
    public var answerBy: Date?
    public var regionId: String?
    /// The original call's receipt time, kept through the whole life.
    public var receivedAt: Date
    public var at: Date

    public init(
        callId: String, transition: Transition, department: String, matter: String, by: String, workOrderId: String? = nil,
        reason: String? = nil, outcome: String? = nil, category: Category? = nil, escalatedTo: String? = nil, answerBy: Date? = nil,
        regionId: String?, receivedAt: Date, at: Date
    ) {
        self.callId = callId
        self.transition = transition
        self.department = department
        self.matter = matter
        self.by = by
        self.workOrderId = workOrderId
        self.reason = reason
        self.outcome = outcome
        self.category = category
        self.escalatedTo = escalatedTo
        self.answerBy = answerBy
        self.regionId = regionId
        self.receivedAt = receivedAt
        self.at = at
    }

    public var routingKey: String? { "\(transition.rawValue).\(regionId ?? "unlocated")" }
    public var correlationId: String? { callId }
    public var eventTime: Date { at }
}

/// intake reopened a diverted call as an incident because the 12345 platform returned it
/// (`incident.returned.<region>`); the incident's `incident.opened` keeps the call's receipt time.
public struct IncidentReturned: EventPayload, Hashable {
    public static let type = "incident.returned"
    public static let version = 1
    public var callId: String
    /// The incident the call opened or was merged into.
    public var incidentId: String
    /// The platform's key name.
    public var by: String
    public var workOrderId: String?
    /// Why the platform sent it back.
    public var reason: String
    public var regionId: String?
    public var receivedAt: Date
    public var returnedAt: Date

    public init(
        callId: String, incidentId: String, by: String, workOrderId: String?, reason: String, regionId: String?, receivedAt: Date,
        returnedAt: Date
    ) {
        self.callId = callId
        self.incidentId = incidentId
        self.by = by
        self.workOrderId = workOrderId
        self.reason = reason
        self.regionId = regionId
        self.receivedAt = receivedAt
        self.returnedAt = returnedAt
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { returnedAt }
}

/// A call left for review (no confident classification, or a diversion suggested by a keyword
/// alone) waited past intake's review limit: the duty call-taker is alerted
/// (`incident.reviewOverdue.<region>`).
public struct CallReviewOverdue: EventPayload, Hashable {
    public static let type = "incident.reviewOverdue"
    public static let version = 1
    public var callId: String
    /// What the call waits for: `classification`, or `diversionConfirmation` (a keyword suggested 12345).
    public var waitingFor: String
    /// The diversion rule a keyword suggested, for `diversionConfirmation`.
    public var suggestedRuleId: String?
    public var escalatedTo: String
    public var regionId: String?
    public var receivedAt: Date
    public var dueAt: Date
    public var at: Date

    public init(
        callId: String, waitingFor: String, suggestedRuleId: String?, escalatedTo: String, regionId: String?, receivedAt: Date, dueAt: Date,
        at: Date
    ) {
        self.callId = callId
        self.waitingFor = waitingFor
        self.suggestedRuleId = suggestedRuleId
        self.escalatedTo = escalatedTo
        self.regionId = regionId
        self.receivedAt = receivedAt
        self.dueAt = dueAt
        self.at = at
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { callId }
    public var eventTime: Date { at }
}

/// One step of a support request from a station, a field unit or a dispatcher to a specialised
/// department (`support.request.<departmentId>`): raised, acknowledged, answered, or escalated to
/// the bureau's command centre when a limit passed. Forwarded at the gateway (a department may
/// be an integrator); no caller personal data.
public struct SupportChanged: EventPayload, Hashable {
    public static let type = "support.request"
    public static let version = 1
    public enum Transition: String, Codable, Sendable, CaseIterable { case requested, acknowledged, answered, escalated }
    public var requestId: String
    public var transition: Transition
    public var departmentId: String
    /// The kind of support (`forensics`, `cyberTrace`, …), from the department's configuration.
    public var kind: String
    public var incidentId: String?
    public var caseId: String?
    /// Who asked: a station, a field unit or a dispatcher id.
    public var requestedBy: String
    /// What the requester needs.
    public var need: String
    /// Who acted in this step (the department's key name or officer, or `liaison`).
    public var by: String
    public var answer: String?
    /// For `escalated`: which limit passed (`acknowledge` or `answer`) and to whom.
    public var missed: String?
    public var escalatedTo: String?
    public var acknowledgeBy: Date
    public var answerBy: Date
    public var requestedAt: Date
    public var at: Date

    public init(
        requestId: String, transition: Transition, departmentId: String, kind: String, incidentId: String?, caseId: String?, requestedBy: String,
        need: String, by: String, answer: String? = nil, missed: String? = nil, escalatedTo: String? = nil, acknowledgeBy: Date, answerBy: Date,
        requestedAt: Date, at: Date
    ) {
        self.requestId = requestId
        self.transition = transition
        self.departmentId = departmentId
        self.kind = kind
        self.incidentId = incidentId
        self.caseId = caseId
        self.requestedBy = requestedBy
        self.need = need
        self.by = by
        self.answer = answer
        self.missed = missed
        self.escalatedTo = escalatedTo
        self.acknowledgeBy = acknowledgeBy
        self.answerBy = answerBy
        self.requestedAt = requestedAt
        self.at = at
    }

    public var routingKey: String? { departmentId }
    public var correlationId: String? { incidentId ?? caseId ?? requestId }
    public var eventTime: Date { at }
}

private func handoffSampleTime(_ seconds: TimeInterval) -> Date { Date(timeIntervalSince1970: 1_795_334_400 + seconds) }

private let handoffSamplePlace = IncidentPlace(
    coordinate: Coordinate(lat: 31.2304, lon: 121.4737), address: "开发区一路88号",
    grid: GridLocation(gridId: "G0317", stationId: "S07", postId: "P03", regionId: "R3", urban: true))

extension HandoffDelivered {
    public static var example: HandoffDelivered {
        HandoffDelivered(
            callId: "C00000063", matter: "路灯/市政设施", department: "市城管局", ruleId: "street-lighting", description: "开发区一路路灯不亮",
            caller: Caller(name: "王芳", phone: "13900001234"), place: handoffSamplePlace, referral: Referral(ticketId: "GD2026112200417", department: "市城管局"),
            receivedAt: handoffSampleTime(300), divertedAt: handoffSampleTime(301.25), answerBy: handoffSampleTime(1201.25))
    }
}

extension HandoffChanged {
    public static var example: HandoffChanged {
        HandoffChanged(
            callId: "C00000063", transition: .returned, department: "市城管局", matter: "路灯/市政设施", by: "platform12345",
            workOrderId: "GD2026112200418", reason: "来电人称有人持刀威胁", outcome: "转回110", category: .criminal, escalatedTo: "dutyCallTaker",
            answerBy: handoffSampleTime(1201.25), regionId: "R3", receivedAt: handoffSampleTime(300), at: handoffSampleTime(420))
    }
}

extension IncidentReturned {
    public static var example: IncidentReturned {
        IncidentReturned(
            callId: "C00000063", incidentId: "I00000043", by: "platform12345", workOrderId: "GD2026112200418", reason: "来电人称有人持刀威胁",
            regionId: "R3", receivedAt: handoffSampleTime(300), returnedAt: handoffSampleTime(420))
    }
}

extension CallReviewOverdue {
    public static var example: CallReviewOverdue {
        CallReviewOverdue(
            callId: "C00000064", waitingFor: "diversionConfirmation", suggestedRuleId: "street-lighting", escalatedTo: "dutyCallTaker",
            regionId: "R3", receivedAt: handoffSampleTime(500), dueAt: handoffSampleTime(620), at: handoffSampleTime(620))
    }
}

extension SupportChanged {
    public static var example: SupportChanged {
        SupportChanged(
            requestId: "SR00000007", transition: .escalated, departmentId: "cid", kind: "forensics", incidentId: "I00000042", caseId: "K2026-0113",
            requestedBy: "S07", need: "现场勘查，提取指纹", by: "liaison", answer: "技术员已出发", missed: "answer", escalatedTo: "commandCentre",
            acknowledgeBy: handoffSampleTime(900), answerBy: handoffSampleTime(7200), requestedAt: handoffSampleTime(0),
            at: handoffSampleTime(7200))
    }
}
