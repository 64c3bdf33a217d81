import Foundation
import Model

/// An enterprise alert as an OASIS Common Alerting Protocol 1.2 message (`<alert>`), for
/// integrators that speak CAP (docs/liaison.md, "CAP 1.2").
///
/// Pure: the document depends on the alert and the arguments only, never on the clock, so a
/// replayed alert renders byte for byte the same message. It carries what the `EnterpriseAlert`
/// carries and nothing else, so no caller personal data can enter it.
///
/// The message types follow the incident: the first alert (`opened`) is an `Alert`, later
/// transitions are `Update`s referring to the earlier messages, and `closed` is a `Cancel`
/// referring to all of them.
public enum CAPMessage {
    /// The CAP 1.2 XML namespace.
    public static let namespace = "urn:oasis:names:tc:emergency:cap:1.2"
    /// The media type of a rendered message.
    public static let contentType = "application/cap+xml"
    /// Default `<sender>`: CAP wants it globally unique; a deployment passes its own.
    public static let defaultSender = "precinct.liaison"
    /// Default `<senderName>` (the human-readable name of the issuing body).
    public static let defaultSenderName = "110指挥中心（一企一警）"
    /// `<language>` of the `<info>` block: the summary and the names are Chinese.
    public static let language = "zh-CN"

    /// CAP `<msgType>` values this renderer produces.
    public enum MessageType: String, Sendable {
        /// The first message about an incident.
        case alert = "Alert"
        /// Supersedes the messages in `<references>`.
        case update = "Update"
        /// The incident is closed: the messages in `<references>` no longer apply.
        case cancel = "Cancel"
    }

    /// Renders `alert` as a CAP 1.2 `<alert>` document (UTF-8 XML, with declaration).
    ///
    /// - Parameters:
    ///   - sender: the originator (`<sender>`); spaces, commas, `<`, `&` and `%` are
    ///     percent-encoded, as CAP forbids the first four there.
    ///   - senderName: the issuing body's name (`<senderName>`).
    public static func render(_ alert: EnterpriseAlert, sender: String = defaultSender, senderName: String = defaultSenderName) -> String {
        let from = identifier(sender)
        let earlier = references(of: alert)
        let type = messageType(of: alert)
        var x = XMLWriter()
        x.open("alert", namespace: namespace)
        // Element order is the sequence of the CAP 1.2 XSD.
        x.element("identifier", identifier(alert.alertId))
        x.element("sender", from)
        x.element("sent", dateTime(alert.at))
        x.element("status", "Actual")
        x.element("msgType", type.rawValue)
        x.element("scope", "Restricted")
        x.element(
            "restriction",
            "For enterprise \(alert.enterpriseId) (\(alert.enterpriseName)) and its liaison officer "
                + "\(alert.liaisonOfficerId) only; do not redistribute.")
        if !earlier.isEmpty {
            x.element("references", earlier.map { "\(from),\(identifier($0.alertId)),\(dateTime($0.sent))" }.joined(separator: " "))
        }
        x.element("incidents", identifier(alert.incidentId))

        x.open("info")
        x.element("language", language)
        for category in categories(alert.category) { x.element("category", category) }
        x.element("event", AlertText.category(alert.category))
        x.element("responseType", type == .cancel ? "AllClear" : "Monitor")
        x.element("urgency", type == .cancel ? "Past" : "Immediate")
        x.element("severity", severity(alert.severity))
        x.element("certainty", certainty(of: alert))
        if let openedAt = alert.openedAt { x.element("onset", dateTime(openedAt)) }
        x.element("senderName", senderName)
        x.element("headline", alert.summary ?? "\(alert.enterpriseName)：\(AlertText.category(alert.category))")
        if alert.coordinationRequired ?? alert.zeroDisturbance {
            x.element("instruction", "零滋扰单位：警务行动经联络民警 \(alert.liaisonOfficerId) 先行协调。")
        }
        x.element("contact", "联络民警 \(alert.liaisonOfficerId)")
        for (name, value) in parameters(of: alert) {
            x.open("parameter")
            x.element("valueName", name)
            x.element("value", value)
            x.close("parameter")
        }
        if let area = alert.area {
            x.open("area")
            x.element("areaDesc", area.description.isEmpty ? alert.enterpriseName : area.description)
            if let polygon = polygon(area.polygon) { x.element("polygon", polygon) }
            if let center = area.center, center.lat.isFinite, center.lon.isFinite {
                let radius = area.radiusKm.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } ?? 0  // CAP: radius 0 is the point itself
                x.element("circle", "\(point(center)) \(decimal(radius))")
            }
            x.close("area")
        }
        x.close("info")
        x.close("alert")
        return x.text
    }

    // MARK: The mapping (public so that tests and the gateway can state it)

    /// `Cancel` when the incident is closed; `Update` when there are earlier messages to refer
    /// to; otherwise `Alert` (the first message about the incident).
    public static func messageType(of alert: EnterpriseAlert) -> MessageType {
        if alert.transition == "closed" { return .cancel }
        return references(of: alert).isEmpty ? .alert : .update
    }

    /// The earlier messages this one refers to: the alert's `references`. An alert written
    /// before liaison filled them (`references` absent) refers to its incident's `opened` alert,
    /// whose id and time follow from the alert (`<incidentId>:<enterpriseId>:opened`, sent at `openedAt`).
    public static func references(of alert: EnterpriseAlert) -> [AlertReference] {
        if let references = alert.references { return references }
        guard alert.transition != "opened", let openedAt = alert.openedAt else { return [] }
        return [AlertReference(alertId: "\(alert.incidentId):\(alert.enterpriseId):opened", sent: openedAt)]
    }

    /// CAP `<category>` values of a Precinct category.
    public static func categories(_ category: Model.Category) -> [String] {
        switch category {
        case .criminal, .publicOrder, .dispute: ["Security"]  // law enforcement and local security
        case .accidentMinor: ["Transport"]
        case .accidentCasualty: ["Transport", "Rescue"]
        case .helpRequest: ["Safety"]  // general emergency and public safety
        case .nonPolice: ["Other"]
        }
    }

    /// CAP `<severity>` of an alert severity.
    public static func severity(_ severity: EnterpriseAlert.Severity) -> String {
        switch severity {
        case .minor: "Minor"
        case .moderate: "Moderate"
        case .severe: "Severe"
        }
    }

    /// CAP `<certainty>`: a call reports it (`Likely`) until police are on scene (`Observed`);
    /// an incident closed as a false report is `Unlikely`.
    public static func certainty(of alert: EnterpriseAlert) -> String {
        if alert.outcome == .falseReport { return "Unlikely" }
        return alert.transition == "opened" ? "Likely" : "Observed"
    }

    /// A CAP identifier (also used for `<sender>` and `<incidents>`): CAP forbids spaces, commas
    /// and the restricted characters `<` and `&` there, and a reference is
    /// `sender,identifier,sent`. Those characters, any other whitespace or control character,
    /// and `%` itself are percent-encoded (UTF-8), so distinct ids stay distinct.
    public static func identifier(_ raw: String) -> String {
        // Ids are mostly printable ASCII with none of the four: returned as they are, not walked
        // scalar by scalar (identifiers are most of a message's text to check).
        let plain = raw.utf8.allSatisfy { byte in
            byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "<") && byte != UInt8(ascii: "&") && byte != UInt8(ascii: ",")
                && byte != UInt8(ascii: "%")
        }
        if plain { return raw }
        var out = ""
        for scalar in raw.unicodeScalars {
            let v = scalar.value
            if v <= 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || scalar.properties.isWhitespace || "<&,%".unicodeScalars.contains(scalar) {
                for byte in String(scalar).utf8 { out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// CAP's dateTime form: `2026-11-22T08:00:00-00:00`, whole seconds (truncated), UTC. CAP 1.2
    /// §3.3.2 forbids `Z` and writes UTC as `-00:00`.
    public static func dateTime(_ date: Date) -> String {
        let seconds = Int64(floor(date.timeIntervalSince1970))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let (y, m, d) = civil(daysSince1970: days)
        func two(_ n: Int64) -> String { String(n).leftPadded(to: 2) }
        return "\(String(y).leftPadded(to: 4))-\(two(m))-\(two(d))T\(two(rest / 3_600)):\(two(rest % 3_600 / 60)):\(two(rest % 60))-00:00"
    }

    // MARK: Helpers

    /// The `<parameter>`s: the alert's machine-readable fields an integrator routes on.
    static func parameters(of alert: EnterpriseAlert) -> [(String, String)] {
        var p: [(String, String)] = [("enterpriseId", alert.enterpriseId), ("incidentId", alert.incidentId), ("transition", alert.transition)]
        if let status = alert.status { p.append(("status", status)) }
        if let outcome = alert.outcome { p.append(("outcome", outcome.rawValue)) }
        p.append(("category", alert.category.rawValue))
        p.append(("matchedBy", alert.matchedBy))
        if let gridId = alert.gridId { p.append(("gridId", gridId)) }
        p.append(("zeroDisturbance", String(alert.zeroDisturbance)))
        p.append(("coordinationRequired", String(alert.coordinationRequired ?? alert.zeroDisturbance)))
        p.append(("liaisonOfficerId", alert.liaisonOfficerId))
        return p
    }

    /// A CAP polygon (`lat,lon` pairs, closed, at least 4), or nil when the ring cannot make one.
    static func polygon(_ ring: [Coordinate]?) -> String? {
        guard var ring = ring?.filter({ $0.lat.isFinite && $0.lon.isFinite }), let first = ring.first else { return nil }
        if ring.last != first { ring.append(first) }
        guard ring.count >= 4 else { return nil }
        return ring.map(point).joined(separator: " ")
    }

    static func point(_ c: Coordinate) -> String { "\(decimal(c.lat)),\(decimal(c.lon))" }

    /// Plain decimal notation (Swift's shortest form would switch to `1e-05`), to 1e-7 (about 1 cm):
    /// the digits of `String(format: "%.7f")` (the exact value rounded half to even), trailing
    /// zeros dropped. Worked out in integers: Foundation's formatting was most of a CAP message's
    /// cost, with a polygon of a dozen numbers in every alert.
    static func decimal(_ x: Double) -> String {
        let a = x.magnitude
        guard a < 1e9 else { return formatted(x) }  // and NaN
        guard a >= 1e-9 else { return "0" }
        // a = m · 2^e exactly; a · 10^7 < 2^77, so it and its rounding fit in 128 bits.
        let m = UInt128(a.significandBitPattern | (1 << 52))
        let e = Int(a.exponent) - 52
        let scaled = m * 10_000_000
        var q: UInt128
        if e >= 0 {
            q = scaled << e
        } else {
            q = scaled >> -e
            let rest = scaled - (q << -e)
            let half = UInt128(1) << (-e - 1)
            if rest > half || (rest == half && q & 1 == 1) { q += 1 }
        }
        guard q > 0 else { return "0" }
        var s = x < 0 ? "-" : ""
        s += String(UInt64(q / 10_000_000))
        var fraction = UInt64(q % 10_000_000)
        if fraction > 0 {
            var width = 7
            while fraction % 10 == 0 {
                fraction /= 10
                width -= 1
            }
            let digits = String(fraction)
            s += "." + String(repeating: "0", count: width - digits.count) + digits
        }
        return s
    }

    /// `decimal` through Foundation, for values too large for its integers (and NaN).
    static func formatted(_ x: Double) -> String {
        var s = String(format: "%.7f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    /// Proleptic Gregorian date of a day count (H. Hinnant's `civil_from_days`).
    static func civil(daysSince1970: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSince1970 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Just enough of an XML writer for CAP: elements with text, two-space indentation. It appends
/// each piece to the document where it goes (no string per line, none per value without a
/// character to escape): a message is some forty elements, rendered for every enterprise alert.
struct XMLWriter {
    private(set) var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var depth = 0

    mutating func open(_ name: String, namespace: String? = nil) {
        indent()
        text += "<"
        text += name
        if let namespace {
            text += " xmlns=\""
            Self.escape(namespace, into: &text)
            text += "\""
        }
        text += ">\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        indent()
        text += "</"
        text += name
        text += ">\n"
    }

    mutating func element(_ name: String, _ value: String) {
        indent()
        text += "<"
        text += name
        text += ">"
        Self.escape(value, into: &text)
        text += "</"
        text += name
        text += ">\n"
    }

    private mutating func indent() {
        for _ in 0..<depth { text += "  " }
    }

    /// Escapes text and attribute values, and drops the characters XML 1.0 cannot carry at all
    /// (control characters other than tab, line feed and carriage return; U+FFFE, U+FFFF).
    static func escape(_ s: String) -> String {
        var out = ""
        escape(s, into: &out)
        return out
    }

    /// `escape(s)`, appended to `out`.
    static func escape(_ s: String, into out: inout String) {
        // Most values hold nothing to escape or drop: appended as they are.
        let plain = s.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "&", "<", ">", "\"": false
            default: scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF
            }
        }
        if plain {
            out += s
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
