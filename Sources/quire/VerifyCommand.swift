import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the hash chain, and that every projection equals a fresh replay of the log (exit 1 on any fault).")
    @OptionGroup var options: FileOptions
    @OptionGroup var proofs: CheckpointVerification

    func run() throws {
        if proofs.fromExport != nil {
            guard try proofs.runOffline(json: options.json) else { throw ExitCode(1) }
            return
        }
        let service = try DatabaseOptions.open(options.databasePath, options: options.storeOptions,
                                               paperLimit: options.paperLimit, prepareProjections: false)
        let report = try service.verify()
        let proved = try proofs.run(service)
        if options.json {
            Console.json(VerifyOutput(report: report, checkpoints: proved.checks))
        } else {
            Console.out(Render.verify(report))
            for check in proved.checks { Console.out(check.sentence) }
        }
        if !report.ok || !proved.ok { throw ExitCode(1) }
    }
}
