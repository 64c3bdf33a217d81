import Foundation

/// A registered enterprise (一企一警): every one has a liaison officer who hears first about
/// anything that touches it (DOMAIN.md §5).
public struct Enterprise: Codable, Sendable, Hashable, Identifiable {
    public struct Contact: Codable, Sendable, Hashable {
        public var name: String
        public var role: String
        public var phone: String

        public init(name: String, role: String, phone: String) {
            self.name = name
            self.role = role
            self.phone = phone
        }
    }

    public enum Scale: String, Codable, Sendable { case large, medium, small }

    public var id: String
    public var name: String
    public var address: String
    public var location: Coordinate
    public var geofence: GeoPolygon
    public var gridId: String
    public var scale: Scale
    public var liaisonOfficerId: String
    public var deputyOfficerId: String?
    public var contacts: [Contact]
    /// One of the major projects (重大项目).
    public var majorProject: Bool
    /// A zero-disturbance site (零滋扰): police action is coordinated through the liaison first.
    public var zeroDisturbance: Bool
    /// Senior officer stationed in the enterprise (驻企警长).
    public var stationedOfficerId: String?

    public init(
        id: String, name: String, address: String, location: Coordinate, geofence: GeoPolygon, gridId: String, scale: Scale,
        liaisonOfficerId: String, deputyOfficerId: String? = nil, contacts: [Contact] = [], majorProject: Bool = false,
        zeroDisturbance: Bool = false, stationedOfficerId: String? = nil
    ) {
        self.id = id
        self.name = name
        self.address = address
        self.location = location
        self.geofence = geofence
        self.gridId = gridId
        self.scale = scale
        self.liaisonOfficerId = liaisonOfficerId
        self.deputyOfficerId = deputyOfficerId
        self.contacts = contacts
        self.majorProject = majorProject
        self.zeroDisturbance = zeroDisturbance
        self.stationedOfficerId = stationedOfficerId
    }

    /// Loads `enterprises.json` from a city folder.
    public static func load(from directory: URL) throws -> [Enterprise] {
        struct File: Decodable { var enterprises: [Enterprise] }
        let file: File = try decodeFile(directory.appendingPathComponent("enterprises.json"))
        var seen = Set<String>()
        for e in file.enterprises {
            guard seen.insert(e.id).inserted else {
                throw ConfigurationError(file: "enterprises.json", record: "enterprise \(e.id)", problem: "duplicate id")
            }
            if let problem = e.geofence.problem {
                throw ConfigurationError(file: "enterprises.json", record: "enterprise \(e.id)", problem: "geofence: \(problem)")
            }
        }
        return file.enterprises
    }
}
