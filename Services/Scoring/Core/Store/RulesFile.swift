import Foundation

extension ScoringRules {
    /// `scoring-rules.json` in `directory`, or the defaults when there is none.
    public static func load(from directory: URL) throws -> ScoringRules {
        let url = directory.appendingPathComponent("scoring-rules.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return .defaults }
        return try decode(try Data(contentsOf: url))
    }
}
