import Foundation

/// The timers' lengths, from the dispatch rules the set runs with.
struct TimerRules: Sendable {
    var signOff: (seconds: Double, warnBefore: Double) = (90, 30)
    var arrival: (seconds: Double, warnBefore: Double) = (900, 60)
    var firstFeedback: (seconds: Double, warnBefore: Double) = (18_000, 1_800)
    var close: (seconds: Double, warnBefore: Double) = (79_200, 3_600)

    /// Reads `timers` from a dispatch-rules.json; missing parts keep the defaults.
    static func load(_ url: URL?) -> TimerRules {
        var rules = TimerRules()
        guard let url, let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let timers = object["timers"] as? [String: Any]
        else { return rules }
        func pair(_ name: String, _ fallback: (Double, Double)) -> (Double, Double) {
            guard let t = timers[name] as? [String: Any] else { return fallback }
            let seconds = (t["seconds"] as? Double) ?? (t["fallbackMinutes"] as? Double).map { $0 * 60 } ?? fallback.0
            return (seconds, (t["warnBefore"] as? Double) ?? fallback.1)
        }
        rules.signOff = pair("signOff", rules.signOff)
        rules.arrival = pair("arrival", rules.arrival)
        rules.firstFeedback = pair("firstFeedback", rules.firstFeedback)
        rules.close = pair("close", rules.close)
        return rules
    }

    func of(_ timer: String) -> (seconds: Double, warnBefore: Double) {
        switch timer {
        case "signOff": signOff
        case "arrival": arrival
        case "firstFeedback": firstFeedback
        default: close
        }
    }
}
