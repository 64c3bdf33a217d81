import Foundation
import Model

// The rules file is read here, beside the store, so that Rules/ stays free of I/O.
extension DispatchRules {
    /// Reads `dispatch-rules.json` from the city folder (or `file` when given); the defaults when
    /// the city has none.
    public static func load(cityDirectory: URL, file: URL? = nil) throws -> DispatchRules {
        let url = file ?? cityDirectory.appendingPathComponent(fileName)
        if file == nil && !FileManager.default.fileExists(atPath: url.path) { return .defaults }
        let rules: DispatchRules = try decodeFile(url)
        try rules.validate(file: url.lastPathComponent)
        return rules
    }
}
