import Foundation
import Wire

// MARK: Examples
//
// One incident in the demo city (region R3, station S13, grid G034, enterprise E0001 and its
// liaison officer O0124), at 2026-11-22 08:00 UTC. Each example sets every optional field so that
// the schema check sees every field, even where a real event carries only some of them.

/// The example incident's clock: seconds after its call at 2026-11-22T08:00:00.000Z.
private func sampleTime(_ seconds: TimeInterval) -> Date { Date(timeIntervalSince1970: 1_795_334_400 + seconds) }

private enum Sample {
    static let incidentId = "I00000042"
    static let callId = "C00000057"
    static let regionId = "R3"
    static let stationId = "S13"
    static let gridId = "G034"
    static let enterpriseId = "E0001"
    static let enterpriseName = "邹平示例铝业有限公司"
    static let liaisonOfficerId = "O0124"
    static let unitId = "U118"
    static let officerIds = ["O0124", "O0126"]
    static let coordinate = Coordinate(lat: 36.851102, lon: 117.809433)
    static let grid = GridLocation(gridId: gridId, stationId: stationId, postId: "P07", regionId: regionId, urban: true)
    static let place = IncidentPlace(coordinate: coordinate, address: "邹平市经济技术开发区开发区一路134号", grid: grid)
    static let caller = Caller(name: "王丽", phone: "13800002046")
    static let referral = Referral(ticketId: "12345-20261122-0193", department: "市城管局")
    static let geofence = GeoPolygon(rings: [
        [
            Coordinate(lat: 36.849207, lon: 117.808180), Coordinate(lat: 36.850729, lon: 117.811825),
            Coordinate(lat: 36.853799, lon: 117.809850), Coordinate(lat: 36.852277, lon: 117.806205),
            Coordinate(lat: 36.849207, lon: 117.808180),
        ]
    ])
    static let contacts = [Enterprise.Contact(name: "程涛", role: "安保主管", phone: "13800001001")]
}

extension IncidentOpened {
    public static var example: IncidentOpened {
        var e = IncidentOpened(
            incidentId: Sample.incidentId, callId: Sample.callId, channel: .police, category: .criminal, priority: 1, place: Sample.place,
            caller: Sample.caller, description: "仓库有人撬门，两名男子在场", callTaker: "T015", casualties: 0, partiesConsent: false,
            enterpriseId: Sample.enterpriseId, receivedAt: sampleTime(0))
        e.enterpriseRelated = true
        e.categorySource = "rule:property-crime"
        e.flags = ["repeat-caller"]
        e.referral = Sample.referral
        return e
    }
}

extension IncidentMerged {
    public static var example: IncidentMerged {
        IncidentMerged(
            incidentId: Sample.incidentId, callId: "C00000061", channel: .police, reason: "samePlace", distanceMeters: 84.5, callCount: 2,
            category: .criminal, place: Sample.place, caller: Caller(name: "李强", phone: "13800002077"), description: "厂区东门有人翻墙",
            callTaker: "T009", casualties: 0, regionId: Sample.regionId, receivedAt: sampleTime(95))
    }
}

extension IncidentDiverted {
    public static var example: IncidentDiverted {
        IncidentDiverted(
            callId: "C00000063", channel: .hotline12345, ruleId: "street-lighting", matter: "路灯/市政设施", department: "市城管局",
            description: "开发区一路路灯不亮", caller: Sample.caller, place: Sample.place, callTaker: "T015", referral: Sample.referral,
            receivedAt: sampleTime(300), divertedAt: sampleTime(301.25))
    }
}

extension UnitAssigned {
    public static var example: UnitAssigned {
        UnitAssigned(
            incidentId: Sample.incidentId, unitId: Sample.unitId, callSign: "开发区巡2", unitKind: .patrolCar, officerIds: Sample.officerIds,
            rule: "grid-nearest", regionId: Sample.regionId, stationId: Sample.stationId, gridId: Sample.gridId, distanceMeters: 842.7,
            etaSeconds: 121.4, assignedAt: sampleTime(2.5), unitStationId: "S12", postId: "P07", commandStationId: Sample.stationId,
            role: "redispatch", replacesUnitId: "U117")
    }
}

extension IncidentQueued {
    public static var example: IncidentQueued {
        IncidentQueued(
            incidentId: Sample.incidentId, regionId: Sample.regionId, priority: 1, reason: "no free patrolCar within 5 km",
            queuedAt: sampleTime(2.5), need: "support", queueId: 311)
    }
}

extension FieldReported {
    public static var example: FieldReported {
        FieldReported(
            incidentId: Sample.incidentId, unitId: Sample.unitId, officerIds: Sample.officerIds, stage: .closed, outcome: .caseOpened,
            note: "两名嫌疑人已控制，移交办案队", regionId: Sample.regionId, at: sampleTime(2_710),
            handover: Handover(kind: .postToStation, toUnitId: "U120", toStationId: Sample.stationId),
            support: SupportRequest(units: 2, kind: .ptu, qualification: .armed), incidentClosed: true)
    }
}

extension SLAWarning {
    public static var example: SLAWarning {
        SLAWarning(
            incidentId: Sample.incidentId, unitId: Sample.unitId, timer: .signOff, regionId: Sample.regionId, stationId: Sample.stationId,
            startedAt: sampleTime(2.5), dueAt: sampleTime(92.5), at: sampleTime(72.5))
    }
}

extension SLABreached {
    public static var example: SLABreached {
        SLABreached(
            incidentId: Sample.incidentId, unitId: Sample.unitId, officerIds: Sample.officerIds, timer: .signOff, regionId: Sample.regionId,
            stationId: Sample.stationId, startedAt: sampleTime(2.5), dueAt: sampleTime(92.5), action: "redispatched", at: sampleTime(92.5),
            unitIds: [Sample.unitId])
    }
}

extension IncidentEscalated {
    public static var example: IncidentEscalated {
        IncidentEscalated(
            incidentId: Sample.incidentId, regionId: Sample.regionId, reason: "stillQueued", level: 1, commandStationId: "S11",
            note: "queued 10 min with no free unit", at: sampleTime(602.5))
    }
}

extension ChiefNotified {
    public static var example: ChiefNotified {
        ChiefNotified(
            incidentId: Sample.incidentId, officerId: "O0131", role: .schoolChief, reason: "school", regionId: Sample.regionId,
            stationId: Sample.stationId, gridId: Sample.gridId, schoolId: "SCH04", at: sampleTime(2.5))
    }
}

extension CaseReferred {
    public static var example: CaseReferred {
        CaseReferred(
            incidentId: Sample.incidentId, stationId: Sample.stationId, team: .caseHandling, officerIds: ["O0127", "O0129"],
            regionId: Sample.regionId, byUnitId: Sample.unitId, at: sampleTime(2_710))
    }
}

extension IncidentClosed {
    public static var example: IncidentClosed {
        IncidentClosed(
            incidentId: Sample.incidentId, outcome: .caseOpened, regionId: Sample.regionId, stationId: Sample.stationId,
            openedAt: sampleTime(0), at: sampleTime(2_710))
    }
}

extension UnitStatusChanged {
    public static var example: UnitStatusChanged {
        UnitStatusChanged(
            unitId: Sample.unitId, from: "enRoute", to: "onScene", incidentId: Sample.incidentId, stationId: Sample.stationId,
            position: Sample.coordinate, reason: "arrived", at: sampleTime(410))
    }
}

extension PointsAwarded {
    public static var example: PointsAwarded {
        PointsAwarded(
            incidentId: Sample.incidentId, stationId: Sample.stationId, rulesVersion: "2026-10",
            lines: [
                PointsLine(
                    awardId: "\(Sample.incidentId):O0124:arrival.onTime", officerId: "O0124", unitId: Sample.unitId, rule: "arrival.onTime",
                    points: 2.5, earnedBy: ["dispatch:a7d04e6c:1042", "dispatch:a7d04e6c:1044"], at: sampleTime(410), revision: 2,
                    previousPoints: 2, withdrawn: false,
                    explanation: "arrived 6 min 48 s after receipt, within the response point's 10-minute promise"),
                PointsLine(
                    awardId: "\(Sample.incidentId):O0124:signOff.breached", officerId: "O0124", unitId: Sample.unitId, rule: "signOff.breached",
                    points: 0, earnedBy: [], at: sampleTime(130), revision: 2, previousPoints: -1, withdrawn: true),
            ])
    }
}

extension ReportPublished {
    public static var example: ReportPublished {
        var e = ReportPublished(
            reportId: "hotspots:month:2026-10-31T16:00:00.000Z", period: "month", from: sampleTime(-1_872_000), to: sampleTime(806_400),
            incidents: 1_284,
            top: [HotspotCell(gridId: Sample.gridId, stationId: Sample.stationId, hour: 21, category: "dispute", count: 17, previous: 11, trend: 6)],
            patrolPlan: [
                StationPatrolPlan(stationId: Sample.stationId, slots: [PatrolSlot(gridId: Sample.gridId, hours: [20, 21, 22], incidents: 17)])
            ],
            starOfTheMonth: "O0124", excellentTrafficManagers: ["O0201"], excellentCallTakers: ["T015"], at: sampleTime(806_400))
        e.handoffs = HandoffSummary(
            diversions: [
                HandoffSummary.Diversions(
                    department: "all", diversions: 212, acceptedShare: 0.88, returnedShare: 0.09, resolvedShare: 0.71, escalatedShare: 0.03),
                HandoffSummary.Diversions(
                    department: "市住建局（市政）", diversions: 64, acceptedShare: 0.91, returnedShare: 0.06, resolvedShare: 0.78, escalatedShare: 0.03),
            ],
            departments: [
                HandoffSummary.Department(
                    departmentId: "all", requests: 57, acknowledgedOnTimeRate: 0.96, answeredOnTimeRate: 0.89, answerTimeOfLimit: 0.42, escalations: 7
                ),
                HandoffSummary.Department(
                    departmentId: "cyber", requests: 19, acknowledgedOnTimeRate: 1, answeredOnTimeRate: 0.84, answerTimeOfLimit: 0.55, escalations: 3),
            ])
        return e
    }
}

extension EnterpriseAlert {
    public static var example: EnterpriseAlert {
        EnterpriseAlert(
            alertId: "\(Sample.incidentId):\(Sample.enterpriseId):closed", enterpriseId: Sample.enterpriseId, enterpriseName: Sample.enterpriseName,
            incidentId: Sample.incidentId, transition: "closed", severity: .severe, category: .criminal, matchedBy: "named",
            liaisonOfficerId: Sample.liaisonOfficerId, zeroDisturbance: true, gridId: Sample.gridId, at: sampleTime(2_710),
            summary: "刑事类警情已结案（立案侦查）", status: "closed", outcome: .caseOpened, reasons: ["named", "geofence"],
            coordinationRequired: true, openedAt: sampleTime(0),
            references: [
                AlertReference(alertId: "\(Sample.incidentId):\(Sample.enterpriseId):opened", sent: sampleTime(0.4)),
                AlertReference(alertId: "\(Sample.incidentId):\(Sample.enterpriseId):arrived", sent: sampleTime(410)),
            ],
            area: AlertArea(
                description: "\(Sample.enterpriseName)（\(Sample.gridId)）", polygon: Sample.geofence.outerRing,
                center: Coordinate(lat: 36.851503, lon: 117.809015), radiusKm: 0.5))
    }
}

extension OfficerAlert {
    public static var example: OfficerAlert {
        OfficerAlert(
            alertId: "\(Sample.incidentId):\(Sample.enterpriseId):coordination:\(Sample.unitId)", officerId: Sample.liaisonOfficerId,
            kind: .coordination, enterpriseId: Sample.enterpriseId, enterpriseName: Sample.enterpriseName, incidentId: Sample.incidentId,
            transition: "dispatched", severity: .severe, category: .criminal, matchedBy: "named", zeroDisturbance: true,
            coordinationRequired: true, summary: "开发区巡2 dispatched to a zero-disturbance site: coordinate with the enterprise",
            description: "仓库有人撬门，两名男子在场", address: Sample.place.address, coordinate: Sample.coordinate, gridId: Sample.gridId,
            stationId: Sample.stationId, unitId: Sample.unitId, callSign: "开发区巡2", etaSeconds: 121.4, outcome: .caseOpened,
            deputyOfficerId: "O0123", stationedOfficerId: "O0133", contacts: Sample.contacts, at: sampleTime(2.5))
    }
}

extension EnterpriseChanged {
    public static var example: EnterpriseChanged {
        EnterpriseChanged(
            change: .updated,
            enterprise: Enterprise(
                id: Sample.enterpriseId, name: Sample.enterpriseName, address: "邹平市经济技术开发区开发区一路134号",
                location: Coordinate(lat: 36.851503, lon: 117.809015), geofence: Sample.geofence, gridId: Sample.gridId, scale: .large,
                liaisonOfficerId: Sample.liaisonOfficerId, deputyOfficerId: "O0123", contacts: Sample.contacts, majorProject: true,
                zeroDisturbance: true, stationedOfficerId: "O0133"),
            revision: 3, origin: "api", at: sampleTime(-86_400))
    }
}

extension CaseChanged {
    public static var example: CaseChanged {
        CaseChanged(
            change: "updated",
            enterpriseCase: EnterpriseCase(
                caseId: "K2026-0117", enterpriseId: Sample.enterpriseId, officerId: Sample.liaisonOfficerId, incidentId: Sample.incidentId,
                title: "仓库盗窃案", status: .solved, suspectsCaught: 2, lossesRecovered: 18_450.5, openedAt: sampleTime(3_600),
                solvedAt: sampleTime(259_200),
                updatedAt: sampleTime(259_200)),
            suspectsCaughtDelta: 2, lossesRecoveredDelta: 18_450.5, at: sampleTime(259_200))
    }
}

extension WorkLogged {
    public static var example: WorkLogged {
        WorkLogged(
            entry: WorkLogEntry(
                entryId: "W-3b8e01c9a2f4", enterpriseId: Sample.enterpriseId, kind: .visit,
                officerIds: [Sample.liaisonOfficerId, "O0133"], at: sampleTime(-172_800), note: "走访安保主管，核对监控点位",
                recordedAt: sampleTime(-169_200)))
    }
}

extension DeadLetter {
    public static var example: DeadLetter {
        DeadLetter(
            service: "intake", source: "dispatch", reason: "unknown schema version 2 of dispatch.field (this service reads version 1)",
            frames: [
                "ZGlzcGF0Y2guZmllbGQuY2xvc2VkLlIz",
                "eyJpZCI6ImRpc3BhdGNoOmE3ZDA0ZTZjOjEwMzkiLCJ0eXBlIjoiZGlzcGF0Y2guZmllbGQiLCJ2ZXJzaW9uIjoyLCJzb3VyY2UiOiJkaXNwYXRjaCIsImVwb2NoIjoiYTdkMDRlNmMiLCJzZXEiOjEwMzksInRpbWUiOiIyMDI2LTExLTIyVDA3OjU5OjU5LjAwMFoifQ==",
                "e30=",
            ],
            at: sampleTime(-1))
    }
}

extension Heartbeat {
    public static var example: Heartbeat { Heartbeat(service: "intake", at: sampleTime(3)) }
}
