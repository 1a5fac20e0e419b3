import Foundation
import QuireCore

/// A golden example of one event type and schema version, as `events/golden/<type>.v<schema>.json` holds it.
public struct GoldenEvent: Codable, Equatable, Sendable {
    public var type: String
    public var schema: Int
    public var payload: JSONValue

    public init(_ event: Event) throws {
        type = event.type
        schema = event.schema
        payload = try JSONDecoder().decode(JSONValue.self, from: Data(try event.encodedPayload().utf8))
    }

    public func event() throws -> Event {
        try Event.decode(type: type, schema: schema, payload: Data(payload.canonical.utf8))
    }

    /// The file's text: pretty-printed, keys sorted, slashes unescaped, ending with a newline.
    public func fileText() throws -> String {
        String(decoding: try EventCoding.pretty.encode(self), as: UTF8.self) + "\n"
    }
}
