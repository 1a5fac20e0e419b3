import Foundation
import QuireCore
import Testing

@Suite struct IdentifierTests {
    @Test func newIDsAreLowercaseVersion4UUIDsAndDistinct() {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = Identifier.newUUID()
            let parts = id.split(separator: "-", omittingEmptySubsequences: false)
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12], "\(id)")
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) }, "\(id)")
            #expect(parts[2].first == "4", "version 4: \(id)")
            #expect("89ab".contains(parts[3].first!), "RFC 4122 variant: \(id)")
            #expect(UUID(uuidString: id) != nil, "\(id)")
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
    }
}
