import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load an exported log into an empty database, verifying the chain line by line; then rebuild projections.")
    @OptionGroup var options: FileOptions
    @Argument(help: "The export file, or - for standard input.") var file: String

    func run() throws {
        let path = options.databasePath
        let existed = FileManager.default.fileExists(atPath: path)
        var storeOptions = options.storeOptions
        storeOptions.create = true
        let input: FileHandle
        if file == "-" { input = .standardInput } else {
            guard let h = FileHandle(forReadingAtPath: file) else { throw QuireError.invalidInput("There is no readable file \(file).") }
            input = h
        }
        do {
            let service = try DatabaseOptions.open(path, options: storeOptions, paperLimit: options.paperLimit)
            let progress = Progress(label: "import")
            let reader = LineReader(input, name: file == "-" ? "standard input" : file)
            let count: Int64
            do {
                count = try service.importLog(lines: reader, progress: progress.report)
            } catch {
                // A failed read ends the lines early; that, not the truncation it looks like, is the error.
                if let failure = reader.failure { throw failure }
                throw error
            }
            if let failure = reader.failure { throw failure }
            progress.finish()
            if options.json { Console.json(["events": count]) } else {
                Console.out("Imported \(count) event\(count == 1 ? "" : "s") into \(path); the chain verified and the projections are rebuilt.")
            }
        } catch {
            // A refused import leaves no new database file behind.
            if !existed { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            throw error
        }
    }
}
