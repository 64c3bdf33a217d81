import DispatchCore
import Foundation
import Model
import Testing
import Wire

// The indexed queue, fleet count and shift clock against the plain computations they replace:
// the same answers after any sequence of changes.

@Suite("rules: indexed queue, fleet and shift windows agree with the plain computations")
struct IndexedQueueTests {
    @Test("random inserts, removals, drops and escalations: order, membership and escalation as by scanning", arguments: [1, 2, 3] as [UInt64])
    func queueAgainstScanning(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var queue = WaitingQueue()
        var plain: [QueueEntry] = []
        var nextId: Int64 = 1_000
        func sorted() -> [QueueEntry] { plain.sorted { ($0.priority, $0.id) < ($1.priority, $1.id) } }
        // Phases of growth and of draining, so that lanes are compacted and the escalation heap
        // is rebuilt along the way.
        for step in 0..<12_000 {
            let now = noon.addingTimeInterval(Double(step))
            let growing = (step / 2_000) % 2 == 0
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<(growing ? 6 : 2):
                // Event time may step back a little, and an id may come below the highest (a
                // reload): neither may be assumed.
                let id: Int64
                if Int.random(in: 0..<20, using: &random) == 0 {
                    id = Int64.random(in: 0..<1_000, using: &random)
                    if plain.contains(where: { $0.id == id }) { continue }
                } else {
                    id = nextId
                    nextId += 1
                }
                let entry = QueueEntry(
                    id: id, incidentId: "I\(Int.random(in: 0..<300, using: &random))", need: Need(kind: .primary),
                    priority: Int.random(in: 1...4, using: &random), queuedAt: now.addingTimeInterval(-Double.random(in: 0..<30, using: &random)))
                queue.insert(entry)
                plain.append(entry)
            case 2..<8:
                guard let removed = plain.randomElement(using: &random) else { continue }
                #expect(queue.contains(removed))
                let wasWaiting = queue.remove(removed)
                let again = queue.remove(removed)
                #expect(wasWaiting && !again && !queue.contains(removed))
                plain.removeAll { $0.id == removed.id }
            case 8:
                let incident = "I\(Int.random(in: 0..<300, using: &random))"
                let had = plain.filter { $0.incidentId == incident }
                #expect(queue.contains(incidentId: incident) == !had.isEmpty)
                #expect(queue.entries(of: incident) == had.sorted { ($0.priority, $0.id) < ($1.priority, $1.id) })
                let dropped = queue.removeAll(incidentId: incident)
                #expect(dropped == !had.isEmpty)
                plain.removeAll { $0.incidentId == incident }
            default:
                let after = Double.random(in: 0..<200, using: &random)
                let expected = sorted().filter { $0.level < 2 && now.timeIntervalSince($0.queuedAt) >= after }
                let raised = queue.escalateDue(at: now, after: after)
                #expect(raised.map(\.id) == expected.map(\.id))
                for entry in raised { if let i = plain.firstIndex(where: { $0.id == entry.id }) { plain[i].level = 2 } }
            }
            #expect(queue.count == plain.count)
            if step % 97 == 0 {
                let order = sorted()
                #expect(queue.entries == order)
                // The walk by key visits the same needs in the same order.
                var walked: [QueueEntry] = []
                var next = queue.first
                while let entry = next {
                    walked.append(entry)
                    next = queue.entry(after: entry)
                }
                #expect(walked == order)
            }
        }
        // Loading the same entries gives the same queue and the same escalations.
        var loaded = WaitingQueue(plain.shuffled(using: &random))
        #expect(loaded.entries == queue.entries)
        let later = noon.addingTimeInterval(100_000)
        let fromLoaded = loaded.escalateDue(at: later, after: 300)
        let fromChanged = queue.escalateDue(at: later, after: 300)
        #expect(fromLoaded == fromChanged)
    }

    @Test("the fleet's count of available units follows every change")
    func availableCount() throws {
        var fleet = Fleet(demo.units.map { TrackedUnit(unit: $0, regionId: demo.regionId(of: $0)) })
        #expect(fleet.availableCount == demo.units.count)
        var random = SplitMix64(seed: 7)
        let states: [UnitState] = [.available, .dispatched, .onScene, .offDuty]
        for _ in 0..<500 {
            let id = try #require(fleet.order.randomElement(using: &random))
            var record = try #require(fleet[id])
            record.state = try #require(states.randomElement(using: &random))
            fleet[id] = record
            let plain = fleet.order.count { fleet[$0]?.state == .available }
            #expect(fleet.availableCount == plain)
            #expect(fleet.anyAvailable == (plain > 0))
        }
    }

    @Test(
        "the minute of day from the offset window is the calendar's, across daylight-saving changes",
        arguments: ["Asia/Shanghai", "Europe/Berlin", "America/St_Johns"])
    func minuteOfDay(zone: String) throws {
        let clock = ShiftClock(DispatchRules.Shifts(enforce: true, timeZone: zone))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: zone))
        // Every 7 minutes 13 seconds over a year, then some steps back in time.
        var date = EventTime.date("2026-01-01T00:00:00.000Z")!
        var dates: [Date] = []
        while dates.count < 75_000 {
            dates.append(date)
            date = date.addingTimeInterval(433)
        }
        dates += dates.reversed().prefix(500)
        for date in dates {
            let c = calendar.dateComponents([.hour, .minute], from: date)
            let expected = (c.hour ?? 0) * 60 + (c.minute ?? 0)
            guard clock.minuteOfDay(date) == expected else {
                Issue.record("\(zone) \(date): \(clock.minuteOfDay(date)) != \(expected)")
                return
            }
        }
    }
}

/// The queue's tier index against a scan: a freed unit's needs are exactly the waiting needs whose
/// tier holds it, in serving order, after any changes and after filing again.
@Suite("rules: the waiting needs by tier agree with scanning")
struct TierIndexTests {
    @Test("random needs on random tiers: each unit's needs in serving order, as by scanning", arguments: [4, 5] as [UInt64])
    func tiersAgainstScanning(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let unitCount = 70
        // Twelve tier keys (grids of the demo city), each holding a random fifth of the units.
        let policy = DispatchPolicy(jurisdiction: demo)
        let keys = demo.grids.prefix(12).map { grid in
            let location = GridLocation(gridId: grid.id, stationId: grid.stationId, postId: grid.postId, regionId: "R", urban: grid.urban)
            let facts = DispatchFacts(category: .criminal, casualties: 0, partiesConsent: false, grid: location, major: false)
            return policy.keyedCandidates(for: Need(kind: .primary), facts).key
        }
        #expect(Set(keys).count == 12)
        var unitsOf: [TierKey: UnitBits] = [:]
        for key in keys {
            var bits = UnitBits(count: unitCount)
            for unit in 0..<unitCount where Int.random(in: 0..<5, using: &random) == 0 { bits.insert(unit) }
            unitsOf[key] = bits
        }
        var queue = WaitingQueue()
        var plain: [(entry: QueueEntry, key: TierKey)] = []
        func check() {
            for unit in 0..<unitCount {
                let expected = plain.filter { unitsOf[$0.key]!.contains(unit) }.sorted { $0.entry.key < $1.entry.key }.map(\.entry.id)
                var walked: [Int64] = []
                var after: NeedKey?
                let among = queue.tiers(ofUnit: unit)
                while let (entry, tier) = queue.next(among: among, after: after) {
                    #expect(queue.units(of: tier).contains(unit))
                    walked.append(entry.id)
                    after = entry.key
                }
                #expect(walked == expected, "unit \(unit)")
            }
        }
        for step in 1...1_500 {
            if Int.random(in: 0..<3, using: &random) < 2 || plain.isEmpty {
                let key = keys.randomElement(using: &random)!
                let entry = QueueEntry(
                    id: Int64(step), incidentId: "I\(step % 97)", need: Need(kind: .primary), priority: Int.random(in: 1...3, using: &random),
                    queuedAt: noon)
                queue.insert(entry, tier: (key, unitsOf[key]!))
                plain.append((entry, key))
            } else {
                let gone = plain.remove(at: Int.random(in: 0..<plain.count, using: &random))
                queue.remove(gone.entry)
            }
            if step % 250 == 0 { check() }
        }
        // One incident's facts change at a time: only its needs move, each to another tier, and
        // only its needs are asked for their tier.
        for incident in ["I3", "I40", "I96", "I41"] {
            var moved: [Int64: TierKey] = [:]
            for index in plain.indices where plain[index].entry.incidentId == incident {
                plain[index].key = keys.filter { $0 != plain[index].key }.randomElement(using: &random)!
                moved[plain[index].entry.id] = plain[index].key
            }
            #expect(!moved.isEmpty, "\(incident) has needs waiting")
            var asked: [Int64] = []
            queue.file(incidentId: incident) { entry in
                asked.append(entry.id)
                return moved[entry.id].map { ($0, unitsOf[$0]!) }
            }
            #expect(Set(asked) == Set(moved.keys))
            check()
        }
        // Filed again with every need moved to another tier, as after loading the queue.
        var moved: [Int64: TierKey] = [:]
        for index in plain.indices {
            plain[index].key = keys.randomElement(using: &random)!
            moved[plain[index].entry.id] = plain[index].key
        }
        queue.fileAll { entry in moved[entry.id].map { ($0, unitsOf[$0]!) } }
        check()
    }
}
