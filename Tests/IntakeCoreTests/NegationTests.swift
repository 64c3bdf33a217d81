import Foundation
@testable import IntakeCore
import Model
import Testing

@Suite("3 classification: negations")
struct NegationTests {
    @Test("a negated keyword is not affirmed; punctuation and look-alike words stop a negation")
    func pureRule() {
        let n = Negation.standard
        for text in ["没有人受伤", "未受伤", "无人受伤", "没人受伤", "并没有任何人受伤", "nobody was injured", "no one injured", "not injured"] {
            #expect(!n.affirms(text.contains("injur") ? "injured" : "受伤", in: text), "\(text)")
        }
        #expect(!n.affirms("伤亡", in: "无人员伤亡"))
        #expect(!n.affirms("伤亡", in: "没有伤亡"))
        #expect(n.affirms("受伤", in: "有人受伤"))
        #expect(n.affirms("受伤", in: "没有戴头盔，受伤了"))
        #expect(n.affirms("受伤", in: "未成年人受伤"))
        #expect(n.affirms("受伤", in: "一人没有受伤，另一人受伤"))
        #expect(n.affirms("injured", in: "casino injured guest"))
    }

    @Test("negations (没有人受伤, 未受伤, 无人员伤亡, 没有伤亡) do not make a casualty accident; a real injury still does")
    func casualtyRules() {
        let rules = Demo.rules.classification
        func category(_ text: String) -> Category? { rules.classify(CallRequest(channel: .police, description: text)).category }
        for text in ["两车相撞，没有人受伤", "车祸，司机未受伤", "追尾事故，无人员伤亡", "两车追尾，没有伤亡", "a crash, nobody was injured", "collision, no one hurt"] {
            #expect(category(text) == .accidentMinor, "\(text)")
        }
        for text in ["两车相撞，有人员伤亡", "两车相撞，没有戴头盔，骑车人受伤", "未成年人骑车被撞受伤", "车祸，一人没有受伤，另一人受伤流血"] {
            #expect(category(text) == .accidentCasualty, "\(text)")
        }
    }

    @Test("a city's table may give its own negations")
    func configurable() {
        let rule = ClassificationRules.Rule(id: "hurt", category: .accidentCasualty, priority: 1, all: [["受伤"]], minCasualties: nil)
        let plain = ClassificationRules(rules: [rule], negation: Negation(markers: [], fillers: []))
        #expect(plain.classify(CallRequest(channel: .police, description: "没有人受伤")).category == .accidentCasualty)
        #expect(ClassificationRules(rules: [rule]).classify(CallRequest(channel: .police, description: "没有人受伤")).category == nil)
    }
}
