/// The incidents liaison saw last and matched to no enterprise, the most recent `capacity` of
/// them: their dispatch events (most of what liaison receives) are dropped without asking the
/// store. A cache: an incident not in it is looked up in the store, so it starts empty, and the
/// core empties it whenever it reloads (a rolled-back transaction may have added to it) and when
/// the store forgets old incidents.
struct RecentIncidents {
    /// About a minute of incidents at 1,000 calls a second, and a few megabytes.
    static let defaultCapacity = 65_536

    let capacity: Int
    private var members: Set<String> = []
    /// The members in the order they came, a ring: `next` is the oldest once it is full.
    private var ring: [String] = []
    private var next = 0

    init(capacity: Int = defaultCapacity) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { members.count }

    func contains(_ incidentId: String) -> Bool { members.contains(incidentId) }

    /// Remembers `incidentId`, forgetting the oldest when full.
    mutating func insert(_ incidentId: String) {
        guard members.insert(incidentId).inserted else { return }
        if ring.count < capacity {
            ring.append(incidentId)
        } else {
            members.remove(ring[next])
            ring[next] = incidentId
            next = (next + 1) % capacity
        }
    }
}
