import Foundation
import QuireCore
import Testing

/// The sample past papers in `events/samples/` are what demos and end-to-end tests import, so
/// they must read as paper files and say what their names promise.
@Suite struct SamplePaperTests {
    static let samples = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "events/samples")

    /// Every sample paper, with the question count its file holds.
    static let papers: [(file: String, questions: Int, code: String)] = [
        ("mathematics-9709-12-2023.json", 10, "9709/12"),
        ("mathematics-9709-12-2023.reformatted.json", 10, "9709/12"),
        ("physics-9702-22-2022.json", 8, "9702/22"),
        ("chemistry-9701-21-2023.json", 7, "9701/21"),
        ("biology-9700-22-2021.json", 6, "9700/22"),
        ("english-language-9093-11-2023.json", 5, "9093/11"),
        ("economics-9708-12-2022.json", 12, "9708/12"),
    ]

    static func read(_ file: String) throws -> PaperFile {
        try PaperFile(data: Data(contentsOf: samples.appending(path: file)), what: file)
    }

    @Test(arguments: papers)
    func samplePaperParses(file: String, questions: Int, code: String) throws {
        let paper = try Self.read(file)
        #expect(paper.questionCount == questions)
        #expect(paper.paper["code"] == .string(code))
        #expect(paper.paper["year"]?.intValue != nil)
        #expect(paper.paper["subject"]?.stringValue != nil)
    }

    @Test func everySamplePaperIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.samples.path)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("legacy-") }
        #expect(Set(files) == Set(Self.papers.map(\.file)))
    }

    /// Re-ordered keys, tabs and `\u` escapes change the bytes but not the canonical JSON, so
    /// duplicate detection sees the same paper.
    @Test func reformattedCopyHasTheSameCanonicalJSON() throws {
        let original = try Self.read("mathematics-9709-12-2023.json")
        let reformatted = try Self.read("mathematics-9709-12-2023.reformatted.json")
        let originalBytes = try Data(contentsOf: Self.samples.appending(path: "mathematics-9709-12-2023.json"))
        let reformattedBytes = try Data(contentsOf: Self.samples.appending(path: "mathematics-9709-12-2023.reformatted.json"))
        #expect(originalBytes != reformattedBytes)
        #expect(reformatted.canonical == original.canonical)
        #expect(reformatted == original)
    }

    @Test func samplePapersAreDistinct() throws {
        let canonicals = try Self.papers.filter { !$0.file.contains(".reformatted.") }.map { try Self.read($0.file).canonical }
        #expect(Set(canonicals).count == canonicals.count)
    }
}
