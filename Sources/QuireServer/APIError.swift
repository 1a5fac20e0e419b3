import Foundation
import HTTPTypes
import Hummingbird
import QuireCore

/// An error as the HTTP edge reports it: a status and `{"error": {"code": …, "message": …}}`.
///
/// Domain errors become statuses here and only here: 400 invalid input or usage, 401 no or bad
/// token or unknown user, 403 role, 404 no such session (or not yours), 409 duplicate / not in
/// progress / conflict / reused command id, 412 stale `If-Match`, 413 too large, 500 the rest.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// For a conflict: the versions involved. For a duplicate: the session that holds the file.
    var expectedVersion: Int?
    var actualVersion: Int?
    var existingSession: String?
    var headers: HTTPFields = [:]
    /// A request body left unread (refused from its Content-Length): read and dropped, up to a
    /// bound, after the answer is sent, so that a client still sending it gets to read the answer.
    var drain: RequestBody?
    /// Close the connection after the answer: the client sent more than anyone should read.
    var closeConnection = false

    public init(status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// `ifMatch`: the command's expected version came from an `If-Match` header, so a conflict is
    /// a failed precondition (412), not a clash with another writer (409).
    public init(_ error: QuireError, ifMatch: Bool = false) {
        self.init(status: Self.status(for: error.code), code: error.code.rawValue, message: error.message)
        if error.code == .conflict && ifMatch {
            status = .preconditionFailed
            code = "precondition_failed"
        }
        if error.code == .unknownUser { headers[.wwwAuthenticate] = "Bearer" }
        // The database is restarting or unreachable: the same request is safe to send again.
        if error.code == .unavailable { headers[.retryAfter] = "2" }
        expectedVersion = error.expectedVersion
        actualVersion = error.actualVersion
        existingSession = error.existingSession?.rawValue
    }

    public static func status(for code: QuireError.Code) -> HTTPResponse.Status {
        switch code {
        case .usage, .invalidInput: .badRequest
        case .tooLarge: .contentTooLarge
        case .duplicate, .notInProgress, .conflict, .commandIDReused: .conflict
        case .notFound: .notFound
        case .unknownUser: .unauthorized
        case .forbidden: .forbidden
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }

    static func unauthorized(_ message: String) -> APIError {
        var error = APIError(status: .unauthorized, code: "unauthorized", message: message)
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(QuireError.invalidInput(message))
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(status: .contentTooLarge, code: QuireError.Code.tooLarge.rawValue,
                 message: "The request body is over the \(limit)-byte limit.")
    }

    static func timedOut(_ timeout: Duration) -> APIError {
        var error = APIError(status: .requestTimeout, code: "timeout",
                             message: "The request body took longer than \(timeout) to arrive.")
        error.closeConnection = true
        return error
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    struct Body: Encodable {
        var error: Detail
        struct Detail: Encodable {
            var code: String
            var message: String
            var expectedVersion: Int?
            var actualVersion: Int?
            var existingSession: String?
            enum CodingKeys: String, CodingKey {
                case code, message, expectedVersion = "expected_version", actualVersion = "actual_version"
                case existingSession = "existing_session"
            }
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONResponse.make(status, Body(error: .init(code: code, message: message, expectedVersion: expectedVersion,
                                                                   actualVersion: actualVersion, existingSession: existingSession)))
        response.headers.append(contentsOf: headers)
        guard drain != nil || closeConnection else { return response }
        response.headers[.connection] = "close"
        let json = JSONResponse.encode(Body(error: .init(code: code, message: message)))
        response.headers[.contentLength] = String(json.count)
        let drain = drain, close = closeConnection
        response.body = ResponseBody { writer in
            try await writer.write(ByteBuffer(bytes: json))
            try await writer.finish(nil)
            var dropped = 0
            if let drain {
                for try await chunk in drain {
                    dropped += chunk.readableBytes
                    if dropped > Request.drainLimit { break }
                }
            }
            if close || dropped > Request.drainLimit {
                // Let the answer leave before the connection goes: ending the response with an
                // error is how a route closes its connection.
                try await Task.sleep(for: .milliseconds(100))
                throw ConnectionClosed()
            }
        }
        return response
    }
}

/// Turns every error a route throws into the JSON error body: domain errors by their code,
/// Hummingbird's own (no such route, wrong method) by their status, anything else as a 500
/// that names no internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as QuireError {
            return try APIError(error).response(from: request, context: context)
        } catch let error as HTTPError {
            let code = switch error.status {
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            case .contentTooLarge: QuireError.Code.tooLarge.rawValue
            case .badRequest: QuireError.Code.invalidInput.rawValue
            default: "http_\(error.status.code)"
            }
            let message = error.body ?? (error.status == .notFound ? "No such route: \(request.method) \(request.uri.path)." : error.status.reasonPhrase)
            return try APIError(status: error.status, code: code, message: message).response(from: request, context: context)
        } catch {
            context.logger.error("Unexpected error: \(error)")
            return try APIError(status: .internalServerError, code: QuireError.Code.internal.rawValue,
                                message: "The server failed to handle the request.").response(from: request, context: context)
        }
    }
}

/// Thrown after an answer is sent to make the server close the connection.
struct ConnectionClosed: Error {}

/// JSON bodies, encoded the way the CLI's `--json` encodes them (sorted keys, snake_case names).
enum JSONResponse {
    static func encode(_ value: some Encodable) -> Data {
        (try? EventCoding.compact.encode(value)) ?? Data(#"{"error":{"code":"internal","message":"encoding failed"}}"#.utf8)
    }

    static func make(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        let data = encode(value)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
