import Foundation
import Model

/// What makes an incident major (重大警情), read from the city's `dispatch-rules.json` (its `major`
/// section, the one definition dispatch decides by), so intake can tell when a repeat call makes
/// an incident major (issue 15, point 1). The same test as dispatch's `DispatchRules.isMajor`.
public struct MajorReading: Sendable, Decodable, Hashable {
    public var categories: [Category]
    public var maxPriority: Int
    public var minCasualties: Int
    public var keywords: [String]

    public init(categories: [Category] = [], maxPriority: Int = 1, minCasualties: Int = 3, keywords: [String] = []) {
        self.categories = categories
        self.maxPriority = maxPriority
        self.minCasualties = minCasualties
        self.keywords = keywords
    }

    /// Dispatch's defaults (docs/dispatch.md), for a city folder without `dispatch-rules.json`.
    public static let standard = MajorReading(keywords: ["持刀", "枪", "爆炸", "劫持", "围堵", "聚集"])

    /// Why an incident with these facts is major, or nil when it is not.
    public func reason(category: Category, priority: Int, casualties: Int, description: String?) -> String? {
        if casualties >= minCasualties { return "\(casualties) casualties" }
        if categories.contains(category) && priority <= maxPriority { return "a \(category.rawValue) incident at priority \(priority)" }
        guard let description, let word = keywords.first(where: { KeywordText.contains(description, $0) }) else { return nil }
        return "major keyword '\(word)'"
    }

    /// Reads the `major` section of `dispatch-rules.json` (the rest of the file is dispatch's).
    static func load(from file: URL) throws -> MajorReading {
        struct File: Decodable { var major: MajorReading? }
        guard FileManager.default.fileExists(atPath: file.path) else { return .standard }
        let parsed: File = try decodeFile(file)
        return parsed.major ?? .standard
    }
}
