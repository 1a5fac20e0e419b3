import Foundation
import QuireCore

/// Printing: aligned tables and sentences for people, stable JSON for programs.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
    }

    static func warning(_ message: String) {
        FileHandle.standardError.write(Data(("warning: " + message + "\n").utf8))
    }

    static func json(_ value: some Encodable) {
        do {
            out(String(decoding: try EventCoding.pretty.encode(value), as: UTF8.self))
        } catch {
            self.error("Could not encode the output as JSON: \(error).")
        }
    }

    /// One compact JSON line, flushed at once (`submit`).
    static func jsonLine(_ value: some Encodable) {
        let data = (try? EventCoding.compact.encode(value)) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// An aligned table: a header row, then one row each; columns padded to the widest cell.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
}
