import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QuireCore
import QuireService
import QuireStorage

extension HTTPField.Name {
    /// `Quire-Checkpoint: <size> <base64 root>` on every `/v1` response: the log's tree head as
    /// the request finished, so a client can tell which log state its command landed in (that of
    /// its own events or, with writers in between, a later one that extends it).
    static let quireCheckpoint = HTTPField.Name("Quire-Checkpoint")!
}

/// Adds the `Quire-Checkpoint` header to every response it wraps.
struct CheckpointHeaderMiddleware: RouterMiddleware {
    let service: QuireService

    func handle(_ request: Request, context: QuireRequestContext,
                next: (Request, QuireRequestContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        let service = service
        // The header is a convenience; a response never fails for want of it.
        if let head = try? await Blocking.run({ () throws(QuireError) in try service.treeHead(origin: "") }) {
            response.headers[.quireCheckpoint] = "\(head.size) \(head.root.base64EncodedString())"
        }
        return response
    }
}

extension Routes {
    /// The proof routes. Public, as a transparency log's are: a checkpoint and a proof are hashes,
    /// and say nothing of who did what; anyone may check the log they were shown.
    func registerProofs(on router: Router<QuireRequestContext>) {
        let v1 = router.group("v1").add(middleware: CheckpointHeaderMiddleware(service: service))
        v1.get("checkpoint") { request, _ in try await checkpoint(request) }
        v1.get("proofs/inclusion") { request, _ in try await inclusion(request) }
        v1.get("proofs/consistency") { request, _ in try await consistency(request) }
    }

    /// `GET /v1/checkpoint`: the signed checkpoint note as `text/plain` (the C2SP form tlog tools
    /// fetch), or its fields as JSON with `Accept: application/json`.
    func checkpoint(_ request: Request) async throws -> Response {
        _ = try request.query(allowing: [])
        guard let key = configuration.signingKey else {
            throw QuireError.notFound("This server signs no checkpoints: start it with --signing-key FILE or QUIRE_SIGNING_KEY.")
        }
        let service = service
        let view = try await Blocking.run { () throws(QuireError) in try service.checkpoint(signedBy: key) }
        if request.headers[.accept]?.contains("application/json") == true { return JSONResponse.make(.ok, view) }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: view.note)))
    }

    /// `GET /v1/proofs/inclusion?position=N&size=M`: the event's audit path in the tree of M
    /// events (default: the whole log).
    func inclusion(_ request: Request) async throws -> Response {
        let query = try request.query(allowing: ["position", "size"])
        guard let position = try query.int64("position") else { throw APIError.badRequest("Give ?position=N, the event's position.") }
        let size = try query.int64("size")
        let service = service
        return JSONResponse.make(.ok, try await Blocking.run { () throws(QuireError) in
            try service.inclusionProof(position: position, size: size)
        })
    }

    /// `GET /v1/proofs/consistency?from=M&to=N`: the proof that the log at N events extends the
    /// log at M (default N: the whole log).
    func consistency(_ request: Request) async throws -> Response {
        let query = try request.query(allowing: ["from", "to"])
        guard let from = try query.int64("from") else { throw APIError.badRequest("Give ?from=M, the older tree size.") }
        let to = try query.int64("to")
        let service = service
        return JSONResponse.make(.ok, try await Blocking.run { () throws(QuireError) in
            try service.consistencyProof(from: from, to: to)
        })
    }
}
