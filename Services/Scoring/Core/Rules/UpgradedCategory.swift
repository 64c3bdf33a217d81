import Foundation
import Model

/// The category of an incident after intake's upgrades (`incident.upgraded`, issue 15): the
/// latest upgrade that changed it wins, whatever the order of the incident's other facts.
enum UpgradedCategory {
    /// The category the last upgrade set, or nil when no upgrade changed it (`facts` in time order).
    static func of(_ facts: [Fact], decoder: JSONDecoder) -> Category? {
        facts.last { $0.type == IncidentUpgraded.type && upgrade($0, decoder)?.category != nil }.flatMap { upgrade($0, decoder)?.category }
    }

    private static func upgrade(_ fact: Fact, _ decoder: JSONDecoder) -> IncidentUpgraded? {
        try? JSONCodec.decode(IncidentUpgraded.self, from: fact.payload, fallback: decoder)
    }
}
