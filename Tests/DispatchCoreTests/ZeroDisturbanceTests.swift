import DispatchCore
import EventStore
import Foundation
import Model
import Testing
import TestSupport

/// Zero-disturbance sites (零滋扰, issue 15 point 7): the pure rule, and holds through the core.
@Suite("zero-disturbance holds")
struct ZeroDisturbanceTests {
    static let enterprises = try! Enterprise.load(from: demoCity)
    static let site = enterprises.first { $0.zeroDisturbance }!
    static let ordinary = enterprises.first { !$0.zeroDisturbance }!

    /// A harness that knows the demo city's registry, as liaison publishes it.
    static func harness(holdSeconds: Double = 300) async throws -> (Harness, EventSource) {
        var rules = DispatchRules.defaults
        rules.zeroDisturbance = .init(holdSeconds: holdSeconds)
        let h = try Harness(rules: rules)
        let liaison = EventSource("liaison")
        let changes = enterprises.map { EnterpriseChanged(change: .registered, enterprise: $0, revision: 1, origin: "seed", at: noon) }
        h.engine.deliver(changes.map { liaison.event($0) }, from: liaison.name)
        try await h.drain()
        return (h, liaison)
    }

    @Test("emergencies go at once: priority 1, casualties, major; ordinary action waits")
    func rule() {
        #expect(ZeroDisturbanceRule.emergency(priority: 1, casualties: 0, major: false) == "priority")
        #expect(ZeroDisturbanceRule.emergency(priority: 3, casualties: 2, major: false) == "casualties")
        #expect(ZeroDisturbanceRule.emergency(priority: 2, casualties: 0, major: true) == "major")
        #expect(ZeroDisturbanceRule.emergency(priority: 3, casualties: 0, major: false) == nil)
        var sites = ZeroDisturbanceSites()
        let registered = EnterpriseChanged(change: .registered, enterprise: Self.site, revision: 1, origin: "seed", at: noon)
        #expect(sites.apply(registered).changed)
        #expect(!sites.apply(registered).changed, "the same record twice changes nothing")
        #expect(sites.site(named: nil, at: Self.site.location)?.id == Self.site.id)
        #expect(sites.site(named: Self.site.id, at: nil)?.id == Self.site.id)
        #expect(sites.site(named: Self.ordinary.id, at: Self.ordinary.location) == nil)
        #expect(sites.apply(EnterpriseChanged(change: .retired, enterprise: Self.site, revision: 2, origin: "api", at: noon)).changed)
        #expect(sites.site(named: nil, at: Self.site.location) == nil)
        #expect(DispatchRules.defaults.holdSeconds == 600)
    }

    @Test("of several sites holding a position, the one with the lowest id, whatever the order they came in")
    func overlappingSites() {
        let ids = ["E0300", "E0002", "E0150", "E0007"]
        let sites = ZeroDisturbanceSites(ids.map { ZeroDisturbanceSite(id: $0, name: $0, liaisonOfficerId: "O0001", geofence: Self.site.geofence) })
        #expect(sites.site(named: nil, at: Self.site.location)?.id == "E0002")
        #expect(sites.site(named: "E0150", at: Self.site.location)?.id == "E0150", "the site the call named comes first")
        #expect(sites.site(named: nil, at: Self.ordinary.location) == nil)
    }

    @Test("ordinary police action is held until the liaison officer acknowledges; then units go")
    func heldUntilAcknowledged() async throws {
        let (h, liaison) = try await Self.harness()
        let id = try await h.open(.dispute, at: Self.site.location)
        #expect(try h.assigned(id).isEmpty, "no unit before the acknowledgement")
        let held = try #require(try h.events(CoordinationHold.self).last)
        #expect(held.status == .held && held.enterpriseId == Self.site.id && held.liaisonOfficerId == Self.site.liaisonOfficerId)
        #expect(held.dueAt == noon.addingTimeInterval(300))
        var view = try #require(try await h.queries.incident(id: id))
        #expect(view.status == "held" && view.hold?.status == "held" && view.timeline?.contains { $0.kind == "held" } == true)

        h.engine.deliver(
            [
                liaison.event(
                    CoordinationAcknowledged(
                        incidentId: id, enterpriseId: Self.site.id, officerId: Self.site.liaisonOfficerId, note: "gate 2", at: noon))
            ],
            from: liaison.name)
        try await h.drain()
        #expect(try h.assigned(id).count == 1)
        let released = try #require(try h.events(CoordinationHold.self).last)
        #expect(released.status == .released && released.reason == "acknowledged" && released.acknowledgedBy == Self.site.liaisonOfficerId)
        view = try #require(try await h.queries.incident(id: id))
        #expect(view.status == "assigned" && view.hold?.status == "released" && view.hold?.acknowledgedBy == Self.site.liaisonOfficerId)
    }

    @Test("no answer: the hold times out and units go anyway")
    func timeout() async throws {
        let (h, _) = try await Self.harness(holdSeconds: 120)
        let id = try await h.open(.publicOrder, at: Self.site.location)
        #expect(try h.assigned(id).isEmpty)
        try await h.advance(60)
        #expect(try h.assigned(id).isEmpty)
        try await h.advance(61)
        #expect(try h.assigned(id).count == 1)
        #expect(try h.events(CoordinationHold.self).last?.reason == "timeout")
        // The hold survives a restart while it waits.
        let other = try await h.open(.dispute, at: Self.site.location)
        try h.restart()
        try await h.advance(121)
        #expect(try h.assigned(other).count == 1)
    }

    @Test("an emergency goes at once and the liaison officer is told; a site elsewhere is not held")
    func emergency() async throws {
        let (h, _) = try await Self.harness()
        let id = try await h.open(.criminal, at: Self.site.location)
        #expect(try h.assigned(id).count == 1)
        let bypassed = try #require(try h.events(CoordinationHold.self).last)
        #expect(bypassed.status == .bypassed && bypassed.reason == "priority" && bypassed.incidentId == id)
        let plain = try await h.open(.dispute, at: Self.ordinary.location)
        #expect(try h.assigned(plain).count == 1)
        #expect(try h.events(CoordinationHold.self).count == 1)
    }

    @Test("a dispatcher's unit ends the hold; marking a held incident major sends everything at once")
    func overridesEndHolds() async throws {
        let (h, _) = try await Self.harness()
        let id = try await h.open(.dispute, at: Self.site.location)
        let unit = try #require(demo.units.first { $0.kind == .patrolCar }).id
        guard case .success = try await h.override(id, .assign(unitId: unit), reason: "officer on the phone agreed") else {
            Issue.record("assign refused")
            return
        }
        #expect(try h.events(CoordinationHold.self).last?.reason == "dispatcher")
        #expect(try h.assigned(id).map(\.unitId) == [unit])

        let other = try await h.open(.publicOrder, at: Self.site.location)
        guard case .success = try await h.override(other, .major(true), reason: "crowd") else {
            Issue.record("major refused")
            return
        }
        #expect(try h.events(CoordinationHold.self).last?.reason == "emergency")
        #expect(try h.assigned(other).map(\.role).contains("primary"))
    }
}
