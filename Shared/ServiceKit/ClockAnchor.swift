import ArgumentParser
import Foundation
import Wire

/// The wall-clock anchor every process of one data directory shares (`<data>/clock-anchor`), so
/// services started seconds apart with the same `--time-factor` and `--time-origin` read the same
/// event time. The first to start writes it; the others, and later restarts, read it. Delete the
/// file (or pass `--time-anchor`) to start the accelerated clock afresh.
public enum ClockAnchor {
    public static let fileName = "clock-anchor"

    /// The anchor in `directory`, written now if there is none yet.
    /// - Throws: a `ValidationError` naming the file when it cannot be read or written.
    public static func shared(in directory: URL, now: Date = Date()) throws -> Date {
        let url = directory.appendingPathComponent(fileName)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            if let existing = try read(url) { return existing }
            // Written whole under a unique name, then linked into place: link(2) fails if the
            // file exists, so of two services starting at once exactly one anchor wins and
            // nobody ever reads a half-written file.
            let temporary = directory.appendingPathComponent("\(fileName).\(UUID().uuidString)")
            try Data((EventTime.string(now) + "\n").utf8).write(to: temporary)
            defer { try? FileManager.default.removeItem(at: temporary) }
            if link(temporary.path, url.path) != 0 && errno != EEXIST {
                throw ValidationError("time anchor file \(url.path) cannot be written (errno \(errno))")
            }
            guard let anchor = try read(url) else { throw ValidationError("time anchor file \(url.path) vanished") }
            return anchor
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("time anchor file \(url.path): \(error)")
        }
    }

    private static func read(_ url: URL) throws -> Date? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let text = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let date = EventTime.date(text) else { throw ValidationError("time anchor file \(url.path): '\(text)' is not ISO-8601") }
        return date
    }
}
