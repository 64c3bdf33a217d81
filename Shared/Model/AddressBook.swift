import Foundation

/// The standard address table (标准地址): address string → position.
public enum AddressBook {
    struct File: Decodable {
        struct Entry: Decodable {
            var address: String
            var lat: Double
            var lon: Double
        }
        var addresses: [Entry]
    }

    public static func load(from directory: URL) throws -> [String: Coordinate] {
        let file: File = try decodeFile(directory.appendingPathComponent("addresses.json"))
        var out: [String: Coordinate] = [:]
        for e in file.addresses { out[e.address] = Coordinate(lat: e.lat, lon: e.lon) }
        return out
    }
}
