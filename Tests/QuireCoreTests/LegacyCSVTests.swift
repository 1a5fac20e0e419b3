import Foundation
import Testing
@testable import QuireCore

/// The old table's CSV reader against Python's `csv` module (the reference the exports came
/// from), on files generated to be hostile: quotes doubled, unbalanced and after a closing
/// quote, CR, LF and CRLF inside and outside quotes, empty lines and fields, a BOM, NUL bytes
/// and non-ASCII text. Python writes down what `csv.reader` makes of each; quire must make the
/// same records — except for a file that ends inside a quoted field, which quire refuses and
/// Python returns as read so far (and closing that quote must make the two agree again).
@Suite struct LegacyCSVTests {
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let generator = #"""
        import csv, io, json, random, sys
        rng = random.Random(20261201)
        alphabet = ['a', 'b', 'x y', ',', ',', '"', '"', '""', '\r', '\n', '\r\n', ' ', '\x00', 'é', '€', '\ufeff', '\t']
        fixed = ['', '\n', '\r', '\r\n', '\n\n', 'a,b\r\nc,d\r\n', '"a,b",c', '"ab"c,d', 'a"b,c', '"a""b"', '""', '"",""',
                 'a,', ',', ',,\n,', '"multi\nline",x', '"cr\rin",y', 'x\ry\rz', 'x\n\ny', '"open', 'a,"open\nmore', '"a"\r',
                 '"a""', '"""', ' "a"', 'a\r\n\r\nb', '"a"b"c"', 'id,file_name\r\nx,"y.json"\r\n']
        cases = fixed + [''.join(rng.choice(alphabet) for _ in range(rng.randrange(0, 24))) for _ in range(3000)]
        def parse(text):
            return [row for row in csv.reader(io.StringIO(text, newline=''))]
        for text in cases:
            print(json.dumps({'input': text, 'records': parse(text), 'closed': parse(text + '"')}))
        """#

    struct Case { var input: String; var records: [[String]]; var closed: [[String]] }

    static func pythonCases() throws -> [Case] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python!)
        process.arguments = ["-c", generator]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return Case(input: object["input"] as! String, records: object["records"] as! [[String]], closed: object["closed"] as! [[String]])
        }
    }

    @Test(.enabled(if: python != nil, "no python3 on this machine"))
    func readsWhatPythonsCSVModuleReads() throws {
        let cases = try Self.pythonCases()
        #expect(cases.count > 3000)
        var agreed = 0, refused = 0
        for c in cases {
            do {
                let records = try CSV.parse(c.input, what: "rows.csv")
                #expect(records == c.records, "input \(c.input.debugDescription): quire \(records), Python \(c.records)")
                agreed += 1
            } catch {
                #expect(error.message.contains("unterminated quoted field"), "\(c.input.debugDescription): \(error)")
                // Python returned the open field as read so far; closing it changes nothing there…
                #expect(c.closed == c.records, "\(c.input.debugDescription) was refused as unterminated, but Python reads it as closed")
                // … and with the quote closed, quire reads what Python reads.
                #expect((try? CSV.parse(c.input + "\"", what: "rows.csv")) == c.closed, "\(c.input.debugDescription) closed")
                refused += 1
            }
        }
        // Both kinds of file were generated (the generator is seeded: these are its counts, not a quota).
        #expect(agreed > 0 && refused > 0, "agreed \(agreed), refused \(refused)")
    }

    @Test func aByteOrderMarkIsNotPartOfTheFirstColumnsName() throws {
        let text = "\u{FEFF}id,file_name\r\nold-1,\"old,1.json\"\r\n"
        let rows = try LegacyImport.parse(Data(text.utf8), fileName: "rows.csv")
        #expect(rows.count == 1)
        let row = try #require(try? rows.first?.row.get())
        #expect(row.id.rawValue == "old-1" && row.fileName == "old,1.json")
    }
}
