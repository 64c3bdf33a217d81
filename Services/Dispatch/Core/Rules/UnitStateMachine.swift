import Foundation
import Model

/// Unit states (DOMAIN.md §2).
public enum UnitState: String, Codable, Sendable, CaseIterable {
    case available, dispatched, enRoute, onScene, handingOver, offDuty
}

/// What moves a unit from one state to the next.
public enum UnitTransition: String, Sendable, CaseIterable {
    /// dispatch sends it.
    case dispatch
    /// 签收: it acknowledges (the state stays `dispatched`).
    case signOff
    /// 出发: on its way.
    case enRoute
    /// 到警: on scene.
    case arrive
    /// 首次反馈: a report from the field; a unit that reports is taken to be on scene.
    case feedback
    /// 移交: it hands the incident over.
    case handover
    /// The receiver took over: the handing unit is free.
    case handedOver
    /// 请求支援: it asks for support (the state does not change).
    case requestSupport
    /// 结案: it closes its part of the incident.
    case close
    /// Its sign-off timer expired: dispatch takes the incident away and sends the next unit.
    case release
    /// It goes off duty (sign-out, or its shift ended).
    case signOut
    /// It comes on duty.
    case signOn
    /// A dispatcher takes it off its incident (reassign, cancel an assignment): free again.
    case recall
}

/// A transition the state machine does not allow.
public struct IllegalTransition: Error, Sendable, Hashable, CustomStringConvertible {
    public var unitId: String
    public var from: UnitState
    public var transition: UnitTransition
    public var allowedFrom: [UnitState]
    public var description: String {
        let allowed = allowedFrom.map(\.rawValue).joined(separator: ", ")
        return "\(transition.rawValue) is not allowed while unit \(unitId) is \(from.rawValue) (allowed from: \(allowed))"
    }
}

/// available → dispatched → en route → on scene → handing over → available, plus off duty.
public enum UnitStateMachine {
    public static let table: [UnitTransition: (from: [UnitState], to: UnitState?)] = [
        .dispatch: ([.available], .dispatched),
        .signOff: ([.dispatched], nil),
        .enRoute: ([.dispatched], .enRoute),
        .arrive: ([.dispatched, .enRoute], .onScene),
        .feedback: ([.dispatched, .enRoute, .onScene], .onScene),
        .handover: ([.dispatched, .enRoute, .onScene], .handingOver),
        .handedOver: ([.handingOver], .available),
        .requestSupport: ([.dispatched, .enRoute, .onScene], nil),
        .close: ([.dispatched, .enRoute, .onScene, .handingOver], .available),
        .release: ([.dispatched], .available),
        .signOut: ([.available, .offDuty], .offDuty),
        .signOn: ([.offDuty], .available),
        .recall: ([.dispatched, .enRoute, .onScene], .available),
    ]

    /// The state after `transition`, or an error naming the states it is allowed from.
    public static func next(_ state: UnitState, _ transition: UnitTransition, unitId: String) throws -> UnitState {
        let rule = table[transition]!
        guard rule.from.contains(state) else {
            throw IllegalTransition(unitId: unitId, from: state, transition: transition, allowedFrom: rule.from)
        }
        return rule.to ?? state
    }

    /// The transition a field stage asks for.
    public static func transition(for stage: FieldStage) -> UnitTransition {
        switch stage {
        case .signedOff: .signOff
        case .enRoute: .enRoute
        case .arrived: .arrive
        case .feedback: .feedback
        case .closed: .close
        case .handover: .handover
        case .requestSupport: .requestSupport
        }
    }
}
