import Foundation
import Hummingbird
import QuireCore
import QuireService

extension Routes {
    /// The most commands one `POST /v1/commands` may carry.
    static let maxCommandsPerRequest = 1000

    /// `POST /v1/commands`: one command object, or an array of them, as `quire submit` reads them
    /// (papers inline in `paper`; `file` paths are refused). One result object each, as `submit`
    /// prints them. An array is answered 200 with every result, failed ones included; a single
    /// object gets its error's status when it fails.
    func commands(_ request: Request, _ context: QuireRequestContext) async throws -> Response {
        _ = try request.query(allowing: [])
        guard let body = try await request.jsonBody(limit: service.paperLimit, what: "The request body", timeout: configuration.readTimeout) else {
            throw APIError.badRequest("Send a command object, or an array of them.")
        }
        let values: [JSONValue]
        let single: Bool
        switch body {
        case .array(let items):
            guard items.count <= Self.maxCommandsPerRequest else {
                throw APIError.badRequest("At most \(Self.maxCommandsPerRequest) commands per request; this one has \(items.count).")
            }
            values = items
            single = false
        case .object:
            values = [body]
            single = true
        default:
            throw APIError.badRequest("The request body must be a command object or an array of them, not \(body.typeName).")
        }

        // Parse everything first; the ones that parse go to the writer together, in order.
        var lines = [CommandResult?](repeating: nil, count: values.count)
        var submissions: [(index: Int, submission: QuireService.Submission)] = []
        for (i, value) in values.enumerated() {
            do throws(QuireError) {
                let command = try JSONCommand(value: value, readFile: nil)
                let id = command.commandID ?? Identifier.newUUID()
                submissions.append((i, QuireService.Submission(command.request, as: context.actor, commandID: id)))
            } catch {
                let prefix = single ? "" : "Command \(i + 1): "
                lines[i] = CommandResult(commandID: value.objectValue?["command_id"]?.stringValue, error: error, prefix: prefix)
            }
        }
        let results = await writer.submit(submissions.map(\.submission))
        for ((index, submission), result) in zip(submissions, results) {
            switch result {
            case .success(let outcome): lines[index] = CommandResult(outcome)
            case .failure(let error): lines[index] = CommandResult(commandID: submission.commandID, error: error, prefix: "")
            }
        }
        let answered = lines.map { $0! }
        if single {
            let line = answered[0]
            return JSONResponse.make(line.error.map { APIError.status(for: $0.kind) } ?? .ok, line)
        }
        return JSONResponse.make(.ok, answered)
    }
}
