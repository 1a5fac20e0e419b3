import Foundation

/// The old table's rows, as CSV or a JSON array: any input gives rows or one error, never a
/// crash; and CSV that reads as records, written back fully quoted, reads as the same records.
@Sendable func fuzzLegacyRows(_ input: UnsafeBufferPointer<UInt8>) {
    _ = try? LegacyImport.parse(Data(input), fileName: "rows.csv")
    let text = String(decoding: input, as: UTF8.self)
    guard let records = try? CSV.parse(text, what: "rows.csv") else { return }
    let written = records.map { record in
        record.map { field in
            var quoted = "\""
            for c in field.unicodeScalars {
                quoted.unicodeScalars.append(c)
                if c == "\"" { quoted.unicodeScalars.append(c) }
            }
            return quoted + "\""
        }.joined(separator: ",") + "\r\n"
    }.joined()
    guard let again = try? CSV.parse(written, what: "rewritten"), again == records else {
        disagree("CSV records written back fully quoted read differently", input)
    }
}
