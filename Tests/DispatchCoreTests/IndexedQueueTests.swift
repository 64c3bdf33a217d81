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
        var nextId: Int64 = 1
        for step in 0..<2_000 {
            let now = noon.addingTimeInterval(Double(step))
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                // Event time may step back a little: the index must not assume arrival order.
                let entry = QueueEntry(
                    id: nextId, incidentId: "I\(Int.random(in: 0..<60, using: &random))", need: Need(kind: .primary),
                    priority: Int.random(in: 1...4, using: &random), queuedAt: now.addingTimeInterval(-Double.random(in: 0..<30, using: &random)))
                nextId += 1
                queue.insert(entry)
                plain.append(entry)
            case 5, 6:
                guard !queue.isEmpty else { continue }
                let index = Int.random(in: 0..<queue.count, using: &random)
                let removed = queue.entries[index]
                queue.remove(at: index)
                plain.removeAll { $0.id == removed.id }
            case 7:
                let incident = "I\(Int.random(in: 0..<60, using: &random))"
                let had = plain.contains { $0.incidentId == incident }
                #expect(queue.contains(incidentId: incident) == had)
                #expect(queue.removeAll(incidentId: incident) == had)
                plain.removeAll { $0.incidentId == incident }
            default:
                let after = Double.random(in: 0..<200, using: &random)
                let due = queue.dueForEscalation(at: now, after: after)
                let sorted = plain.sorted { ($0.priority, $0.id) < ($1.priority, $1.id) }
                let expected = sorted.indices.filter { sorted[$0].level < 2 && now.timeIntervalSince(sorted[$0].queuedAt) >= after }
                #expect(due == expected)
                if let first = due.first {
                    let raised = queue.escalate(at: first)
                    if let i = plain.firstIndex(where: { $0.id == raised.id }) { plain[i].level = 2 }
                }
            }
            let sorted = plain.sorted { ($0.priority, $0.id) < ($1.priority, $1.id) }
            #expect(queue.entries == sorted)
        }
        // Loading the same entries gives the same queue and the same escalation candidates.
        let loaded = WaitingQueue(plain.shuffled(using: &random))
        #expect(loaded.entries == queue.entries)
        let later = noon.addingTimeInterval(10_000)
        #expect(loaded.dueForEscalation(at: later, after: 300) == queue.dueForEscalation(at: later, after: 300))
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
