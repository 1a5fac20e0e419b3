import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rebuild projections from the log (all of them by default).")
    @OptionGroup var options: FileOptions
    @Argument(help: "authorization, session_views, duplicates or monitor.") var projection: [String] = []

    func run() throws {
        let service = try options.openService()
        let progress = Progress(label: "rebuild")
        let rebuilt = try service.rebuild(projection, progress: progress.report)
        progress.finish()
        if options.json { Console.json(["rebuilt": rebuilt]) } else { Console.out("Rebuilt \(rebuilt.joined(separator: ", ")).") }
    }
}
