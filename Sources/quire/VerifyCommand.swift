import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the hash chain, and that every projection equals a fresh replay of the log (exit 1 on any fault).")
    @OptionGroup var options: FileOptions

    func run() throws {
        let report = try DatabaseOptions.open(options.databasePath, options: options.storeOptions,
                                           paperLimit: options.paperLimit, prepareProjections: false).verify()
        if options.json {
            Console.json(report)
        } else {
            Console.out(Render.verify(report))
        }
        if !report.ok { throw ExitCode(1) }
    }
}
