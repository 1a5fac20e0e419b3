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
}
