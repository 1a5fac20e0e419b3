import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

struct Legacy: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Bring in sessions from the old system.", subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import rows of the old past_paper_import_sessions table (JSON array or CSV) as sessions.",
            discussion: """
                Columns: id, created_by, status, json_hash, file_name, created_at, updated_at, last_accessed_at, metadata; \
                others are ignored. A row without created_by becomes a legacy session every admin sees; a row whose \
                created_by is a registered user's id stays theirs; any other row is reported and skipped. Importing the \
                same file again imports nothing twice.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The exported rows: .json (an array of objects) or .csv (with a header).") var file: String

        func run() throws {
            let data = try Files.read(file)
            let reports = try options.openService().importLegacy(data, fileName: file, as: options.actorName)
            let rendered = Render.legacyImport(reports)
            if options.json {
                Console.json(reports)
            } else {
                rendered.warnings.forEach(Console.warning)
                Console.out(rendered.summary)
            }
            if !rendered.warnings.isEmpty { throw ExitCode(65) }
        }
    }
}
