import Model

/// Where a call is (DOMAIN.md §3.3): its coordinates when given, otherwise its standard address
/// looked up in the city's address table, otherwise unresolved.
public struct CallLocator: Sendable {
    public var jurisdiction: Jurisdiction
    /// Addresses with their whitespace removed, so "台子镇 台子三路" finds "台子镇台子三路".
    let addresses: [String: Coordinate]

    public init(jurisdiction: Jurisdiction, addresses: [String: Coordinate]) {
        self.jurisdiction = jurisdiction
        var normalised: [String: Coordinate] = [:]
        for (address, c) in addresses { normalised[Self.normalise(address)] = c }
        self.addresses = normalised
    }

    /// The grid and the position, either `nil` when unresolved.
    public func locate(_ request: CallRequest) -> (grid: GridLocation?, coordinate: Coordinate?) {
        if let c = request.location?.coordinate { return (jurisdiction.locate(c), c) }
        if let address = request.location?.address, let c = addresses[Self.normalise(address)] { return (jurisdiction.locate(c), c) }
        return (nil, nil)
    }

    static func normalise(_ address: String) -> String {
        address.filter { !$0.isWhitespace }
    }
}
