import Foundation
import Testing
@testable import QuireCore

/// What `tools/fuzz` found in the hand-written readers, kept as tests (the inputs are also in
/// `fuzz/corpus/`). RELIABILITY.md lists them.
@Suite struct FuzzFindingTests {
    /// Found by `tools/fuzz` (json target): JSONDecoder refuses `0e8`, which is valid JSON. quire
    /// reads it as JavaScript's `JSON.parse` does, through the strict reader, on every path.
    @Test func zeroWithAnExponentIsValidJSON() throws {
        #expect(try JSONValue.parse(Data("0e8".utf8), what: "x") == .number(0))
        #expect(try JSONValue.parse(Data(#"{"a":[-0E5,0e+1]}"#.utf8), what: "x") == .object(["a": .array([.number(0), .number(0)])]))
        #expect(try JSONValue(stored: "0e8") == .number(0))
    }

    /// Found by `tools/fuzz` (json target): the strict reader read `501e-0500…` (and `1e-400`) as 0,
    /// where JSONDecoder refuses a number too small for a Double as it refuses one too large. Fixed:
    /// the strict reader declines it, so every path refuses it with JSONDecoder's reason.
    @Test func aNumberTooSmallForADoubleIsRefusedLikeOneTooLarge() throws {
        for text in ["1e-400", "[1e-400]", #"{"a":501e-05000000000000000000000000549279697}"#, "-2e-324"] {
            #expect(throws: QuireError.self, "\(text)") { try JSONValue.parse(Data(text.utf8), what: "x") }
            #expect(throws: (any Error).self, "\(text)") { try JSONValue(stored: text) }
        }
        // Zero written with an exponent, and the smallest Double, are still numbers.
        #expect(try JSONValue.parse(Data("0.0e-400".utf8), what: "x") == .number(0))
        #expect(try JSONValue.parse(Data("5e-324".utf8), what: "x") == .number(Double.leastNonzeroMagnitude))
    }

    /// Found by `tools/fuzz` (paper target): 513 `[` with carriage returns among them made
    /// JSONDecoder trap while it described its own depth error, so `quire session create` crashed
    /// (signal 4) on a 518-byte file. Fixed: nothing nested deeper than `JSONValue.maximumDepth`
    /// reaches JSONDecoder; it is refused in a sentence.
    @Test func deepNestingWithCarriageReturnsIsRefusedNotACrash() throws {
        let crash = String(repeating: "[", count: 450) + "\r" + String(repeating: "[", count: 21) + "\r\r[[\r\t"
            + String(repeating: "[", count: 40)
        #expect(throws: QuireError.invalidInput("paper.json is not valid JSON (arrays and objects nested more than 500 deep).")) {
            try JSONValue.parse(Data(crash.utf8), what: "paper.json")
        }
        #expect(throws: QuireError.self) { try Event.decode(type: "session.updated", schema: 1, payload: Data(crash.utf8)) }
        #expect(throws: (any Error).self) { try JSONValue(stored: crash) }
        #expect(throws: QuireError.self) { try PaperFile(data: Data(crash.utf8), what: "paper.json") }
        // Exactly the limit is still JSON; brackets inside strings do not count.
        let deepest = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(try JSONValue.parse(Data(deepest.utf8), what: "x") != .null)
        #expect(!JSONValue.nestsTooDeep(Data(("\"" + String(repeating: "[", count: 600) + "\"").utf8)))
    }
}
