import Foundation

/// `PayloadReader` against `JSONDecoder`: for every event type, an event the fast reader
/// returns must be exactly the event `Event.foundationDecoded` decodes from the same bytes.
/// The first byte picks the event type; the rest is the payload, raw (invalid UTF-8 included:
/// `Event.decode` takes `Data`).
@Sendable func fuzzPayloadReader(_ input: UnsafeBufferPointer<UInt8>) {
    guard let first = input.first else { return }
    let types = ["session.created", "session.accessed", "session.updated", "session.completed", "session.deleted",
                 "user.registered", "user.role_changed", "user.deactivated", "access.denied"]
    let type = types[Int(first) % types.count]
    let payload = UnsafeBufferPointer(rebasing: input[1...])
    let reference = try? Event.foundationDecoded(type: type, schema: 1, payload: Data(payload))
    if let fast = PayloadReader.event(type: type, payload) {
        guard let reference else { disagree("PayloadReader read a \(type) that JSONDecoder refuses", input) }
        guard fast == reference else { disagree("PayloadReader read \(fast) where JSONDecoder read \(reference)", input) }
    }
    // The public entry point gives JSONDecoder's answer, fast path or not.
    let decoded = try? Event.decode(type: type, schema: 1, payload: Data(payload))
    guard decoded == reference else { disagree("Event.decode and JSONDecoder disagree on a \(type)", input) }
}
