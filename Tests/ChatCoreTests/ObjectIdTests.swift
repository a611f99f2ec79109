import Testing
@testable import ChatCore
@Test func objectIdRoundTrips() { let g = ObjectIdGenerator(); let id = g.next(); #expect(ObjectId(hex: id.hex) == id) }
