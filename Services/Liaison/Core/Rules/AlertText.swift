import Model

/// The words of an alert: generated from structured fields only, so no caller's words leak out.
enum AlertText {
    static func category(_ c: Category) -> String {
        switch c {
        case .criminal: "刑事警情"
        case .publicOrder: "治安警情"
        case .dispute: "纠纷警情"
        case .accidentMinor: "轻微交通事故"
        case .accidentCasualty: "伤亡交通事故"
        case .helpRequest: "求助警情"
        case .nonPolice: "非警务事项"
        }
    }

    static func transition(_ t: String, outcome: Outcome?) -> String {
        switch t {
        case "opened": "已接警，民警正在处置"
        case "arrived": "民警已到达现场"
        case "closed": "已结案" + (outcome.map { "（\(self.outcome($0))）" } ?? "")
        case "dispatched": "已派警，零滋扰单位需联络员先行协调"
        default: t
        }
    }

    static func outcome(_ o: Outcome) -> String {
        switch o {
        case .resolvedOnScene: "现场处结"
        case .mediated: "调解结案"
        case .caseOpened: "已立案"
        case .transferredTo12345: "转12345"
        case .falseReport: "虚假警情"
        }
    }

    static func summary(enterprise: Enterprise, category: Category, transition: String, outcome: Outcome?) -> String {
        "\(enterprise.name)：\(Self.category(category))，\(Self.transition(transition, outcome: outcome))"
            + (enterprise.zeroDisturbance ? "（零滋扰单位）" : "")
    }

    static func severity(_ category: Category, casualties: Int) -> EnterpriseAlert.Severity {
        if casualties > 0 { return .severe }
        return switch category {
        case .criminal, .accidentCasualty: .severe
        case .publicOrder, .accidentMinor, .dispute: .moderate
        case .helpRequest, .nonPolice: .minor
        }
    }
}
