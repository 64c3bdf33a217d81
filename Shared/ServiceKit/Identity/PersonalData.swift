import Foundation
import Wire

/// Which personal data a role sees in clear, and how the rest is masked: applied once, to every
/// typed operation's answer (HTTP and the ROUTER alike) in ``ServiceAPI/on(_:allow:_:)``, so a new
/// read API cannot forget it. docs/security.md, "Personal data", is the table.
///
/// The policy works on the answer's JSON by field name, whatever type produced it:
/// - a caller's data: a `caller` object's `name` and `phone`, and any `phone`, `callerPhone` or
///   `callerName` field (the ledger's phone, a recorded call's caller);
/// - an enterprise contact's data: the `name` and `phone` of each entry of a `contacts` array.
public enum PersonalData {
    /// A kind of personal data, with the roles that need it in clear.
    public enum Kind: Sendable, CaseIterable {
        /// Callers' names and phone numbers.
        case caller
        /// Enterprises' contact persons (names and phone numbers).
        case contact

        /// Who sees it in clear (the `service` role, a peer service, always does).
        public var readers: Set<Role> {
            switch self {
            // Call-takers call back, dispatchers brief units and reach the caller, supervisors
            // handle complaints and call-backs.
            case .caller: [.callTaker, .dispatcher, .supervisor]
            // The liaison officer's own work; dispatchers coordinate on site through the contact.
            case .contact: [.liaisonOfficer, .dispatcher, .supervisor]
            }
        }
    }

    /// The kinds `principal` sees masked.
    public static func masked(for principal: Principal) -> Set<Kind> {
        Set(Kind.allCases.filter { !principal.may($0.readers) })
    }

    /// Field names holding a caller's data wherever they appear.
    static let callerFields: Set<String> = ["phone", "callerPhone", "callerName"]

    /// `json` with the data of `kinds` masked; unchanged (not even parsed) when `kinds` is empty
    /// or the bytes are not JSON.
    public static func mask(_ json: [UInt8], kinds: Set<Kind>) -> [UInt8] {
        guard !kinds.isEmpty, let value = try? JSONSerialization.jsonObject(with: Data(json), options: [.fragmentsAllowed]) else { return json }
        let masked = mask(value, kinds: kinds)
        guard let data = try? JSONSerialization.data(withJSONObject: masked, options: [.fragmentsAllowed, .sortedKeys]) else { return json }
        return Array(data)
    }

    static func mask(_ value: Any, kinds: Set<Kind>) -> Any {
        if let array = value as? [Any] { return array.map { mask($0, kinds: kinds) } }
        guard var object = value as? [String: Any] else { return value }
        for (key, field) in object {
            switch key {
            case "caller" where kinds.contains(.caller):
                object[key] = person(field, kinds: kinds)
            case "contacts":
                // Contacts are their own kind: a reader of them sees them whole.
                guard kinds.contains(.contact) else { continue }
                object[key] = (field as? [Any]).map { $0.map { person($0, kinds: kinds) } } ?? mask(field, kinds: kinds)
            case _ where callerFields.contains(key) && kinds.contains(.caller):
                object[key] = (field as? String).map { key == "callerName" ? name($0) : phone($0) } ?? field
            default:
                object[key] = mask(field, kinds: kinds)
            }
        }
        return object
    }

    /// A person object (`{name, phone, …}`) with its name and phone masked; any other value as is.
    static func person(_ value: Any, kinds: Set<Kind>) -> Any {
        if let text = value as? String { return phone(text) }
        guard var object = value as? [String: Any] else { return mask(value, kinds: kinds) }
        if let text = object["name"] as? String { object["name"] = name(text) }
        if let text = object["phone"] as? String { object["phone"] = phone(text) }
        return object
    }

    /// A phone number: its first three and last two digits kept (enough to tell two callers
    /// apart on a screen, not to call them), the rest `*`; short ones wholly masked.
    public static func phone(_ text: String) -> String {
        let characters = Array(text)
        guard characters.count >= 8 else { return String(repeating: "*", count: max(characters.count, 1)) }
        return String(characters.prefix(3)) + String(repeating: "*", count: characters.count - 5) + String(characters.suffix(2))
    }

    /// A name: its first character kept, the rest `*`.
    public static func name(_ text: String) -> String {
        guard let first = text.first else { return text }
        return String(first) + String(repeating: "*", count: max(text.count - 1, 2))
    }
}
