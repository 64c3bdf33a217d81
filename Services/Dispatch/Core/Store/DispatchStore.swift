import Foundation
import Model

/// The write side of dispatch's tables, one transaction's statements at a time, by table:
/// `IncidentRows`, `TimerRows`, `UnitRows`. The decisions are made by the handlers and `Rules/`;
/// these only record them.
enum DispatchStore {}

extension DispatchStore {
    /// A need as stored in `assignments.need` and `queue.need`.
    static func encode(_ need: Need) throws -> String { try JSONCodec.text(need) }

    static func decodeNeed(_ text: String?) -> Need? {
        text.flatMap { try? JSONDecoder().decode(Need.self, from: Data($0.utf8)) }
    }
}
