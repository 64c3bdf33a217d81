import Foundation
import Model
import Wire

// Officers' points on the board, from scoring's `score.awarded` events of either version: a
// console rolled out before scoring (or replaying history) still meets version 1.

extension ReadModel {
    /// Version 1 of `score.awarded`: one ledger line per event (retired; read for history).
    struct PointsAwardedV1: Decodable {
        var awardId: String
        var officerId: String
        var unitId: String?
        var incidentId: String
        var rule: String
        var points: Double
        var stationId: String?
        var at: Date
        var revision: Int?
        var previousPoints: Double?
        var withdrawn: Bool?
        var explanation: String?

        var asVersion2: PointsAwarded {
            let line = PointsLine(
                awardId: awardId, officerId: officerId, unitId: unitId, rule: rule, points: points, earnedBy: [], at: at,
                revision: revision ?? 1, previousPoints: previousPoints, withdrawn: withdrawn, explanation: explanation)
            return PointsAwarded(incidentId: incidentId, stationId: stationId, rulesVersion: "", lines: [line])
        }
    }

    /// The event's lines, whichever version it is (nil: unreadable, or a version this console does not know).
    func pointsChange(_ event: Envelope) -> PointsAwarded? {
        let payload = Data(event.payload)
        switch event.header.version {
        case 1: return (try? Self.decoder.decode(PointsAwardedV1.self, from: payload))?.asVersion2
        case PointsAwarded.version: return try? Self.decoder.decode(PointsAwarded.self, from: payload)
        default: return nil
        }
    }

    /// Credits one line: a revision replaces the line's earlier points, a withdrawal removes them.
    mutating func credit(_ line: PointsLine, incidentId: String, stationId: String?, _ changes: inout ModelChanges) {
        let delta = line.delta
        if officers[line.officerId] == nil {
            officers[line.officerId] = ConsoleOfficer(id: line.officerId, name: line.officerId, stationId: stationId, points: 0, lines: [])
        }
        officers[line.officerId]?.points += delta
        officers[line.officerId]?.lines.removeAll { $0.awardId == line.awardId }
        if line.withdrawn != true {
            officers[line.officerId]?.lines.append(
                ConsoleAward(
                    awardId: line.awardId, incidentId: incidentId, rule: line.rule, points: line.points, at: line.at,
                    explanation: line.explanation))
        }
        changes.officers.insert(line.officerId)
        update(incidentId, &changes) { $0.points += delta }
    }
}
