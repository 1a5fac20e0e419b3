import Foundation

/// The paper parser and its canonical text (what `json_hash` is the SHA-256 of): any file it
/// accepts has a canonical text that is itself an accepted paper with the same canonical text,
/// question count and description — so a re-formatted copy of a paper hashes the same.
@Sendable func fuzzPaperFile(_ input: UnsafeBufferPointer<UInt8>) {
    guard let paper = try? PaperFile(data: Data(input), what: "paper.json", limit: 1 << 20) else { return }
    guard let again = try? PaperFile(data: Data(paper.canonical.utf8), what: "canonical", limit: 1 << 22) else {
        disagree("the canonical text of an accepted paper is not accepted", input)
    }
    guard again.canonical == paper.canonical else { disagree("canonical text is not stable", input) }
    guard again.questionCount == paper.questionCount, again.paper == paper.paper else {
        disagree("the canonical text describes another paper", input)
    }
}
