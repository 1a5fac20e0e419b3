import Foundation

// libFuzzer's entry point for every quire fuzz target. The build (tools/fuzz) compiles
// Sources/QuireCore, LineReader and these files into one module, so the targets reach the
// readers' internals; `QUIRE_FUZZ_TARGET` says which reader this process fuzzes.

/// What a target calls when a reader disagrees with its reference: libFuzzer keeps the input.
func disagree(_ what: String, _ input: UnsafeBufferPointer<UInt8>) -> Never {
    let shown = String(decoding: input.prefix(300), as: UTF8.self).debugDescription
    fatalError("\(what) — input \(shown)")
}

let fuzzTargets: [String: @Sendable (UnsafeBufferPointer<UInt8>) -> Void] = [
    "json": fuzzStrictJSON,
    "payload": fuzzPayloadReader,
    "paper": fuzzPaperFile,
    "legacy": fuzzLegacyRows,
    "lines": fuzzLineReader,
    "time": fuzzTimes,
    "headers": fuzzHeaders,
]

let selectedTarget: @Sendable (UnsafeBufferPointer<UInt8>) -> Void = {
    let name = ProcessInfo.processInfo.environment["QUIRE_FUZZ_TARGET"] ?? ""
    guard let target = fuzzTargets[name] else {
        fatalError("QUIRE_FUZZ_TARGET must be one of \(fuzzTargets.keys.sorted().joined(separator: ", ")), not '\(name)'")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func quireFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget(UnsafeBufferPointer(start: data, count: size))
    return 0
}
