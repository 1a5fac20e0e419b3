import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the whole log as JSON lines (every events column, hashes in hex), in position order (system admins).",
        discussion: "The last line, {\"export_end\":{…}}, lets `quire import` tell a complete file from a truncated one.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "jsonl (the only format).") var format: String = "jsonl"
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file")) var output: String?

    func run() throws {
        guard format == "jsonl" else { throw QuireError.usage("export writes jsonl only.") }
        let service = try options.openService()
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil),
                  let h = FileHandle(forWritingAtPath: output) else { throw QuireError.invalidInput("Cannot write \(output).") }
            handle = h
        } else {
            handle = .standardOutput
        }
        let progress = Progress(label: "export")
        var buffer = Data()
        let count = try service.export(as: options.actorName, progress: progress.report) { line in
            buffer.append(line)
            if buffer.count > 1 << 20 { handle.write(buffer); buffer.removeAll(keepingCapacity: true) }
        }
        handle.write(buffer)
        progress.finish()
        if output != nil { Console.out("Exported \(count) event\(count == 1 ? "" : "s") to \(output!).") }
    }
}
