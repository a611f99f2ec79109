import CMongoc
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Testing

/// The BSON <-> Swift layer on its own: no server needed.
@Suite("Mongo BSON conversion")
struct MongoBSONTests {
    @Test func messageRoundTripsThroughBSON() throws {
        let texts = ["plain", "", String(repeating: "ü", count: 2048), "emoji 👋🏽🇫🇷 and e\u{301}", "embedded\u{0}nul", "line\nbreak \"quoted\""]
        let generator = ObjectIdGenerator()
        for text in texts {
            let message = ChatMessage(id: generator.next(), user: "alice", text: text, time: Date(millisecondsSince1970: 1_795_000_000_123))
            let document = MongoDocuments.document(message)
            let decoded = try document.withPointer { try MongoDocuments.message($0) }
            #expect(decoded == message)
        }
    }

    @Test func messageDocumentHasTheOriginalShape() throws {
        let message = ChatMessage(id: ObjectIdGenerator().next(), user: "alice", text: "hi", time: Date(millisecondsSince1970: 1_795_000_000_123))
        let document = MongoDocuments.document(message)
        var keys: [String] = []
        var types: [bson_type_t] = []
        document.withPointer { pointer in
            BSONReader(raw: pointer).forEach { field in
                keys.append(field.key)
                types.append(field.type)
            }
        }
        #expect(keys == ["_id", "user", "msg", "time"])
        #expect(types == [BSON_TYPE_OID, BSON_TYPE_UTF8, BSON_TYPE_UTF8, BSON_TYPE_DATE_TIME])
    }

    @Test func objectIdMatchesLibbsonsHex() {
        let id = ObjectIdGenerator().next()
        var oid = id.bsonOID
        var buffer = [CChar](repeating: 0, count: 25)
        bson_oid_to_string(&oid, &buffer)
        let hex = String(decoding: buffer.prefix(24).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(hex == id.hex)
        #expect(ObjectId(oid) == id)
    }

    @Test func userRoundTripsWithAndWithoutCreated() throws {
        let generator = ObjectIdGenerator()
        for created in [Date(millisecondsSince1970: 1_795_000_000_999), nil] {
            let user = UserRecord(id: generator.next(), login: "Alice", email: "alice@example.com", password: "secret", created: created)
            let decoded = try MongoDocuments.document(user).withPointer { try MongoDocuments.user($0) }
            #expect(decoded == user)
        }
    }

    @Test func legacyUserWithoutEmailOrCreatedIsReadable() throws {
        let id = ObjectIdGenerator().next()
        let document = BSONDocument(["_id": .oid(id), "login": .string("old"), "password": .string("plain")])
        let user = try document.withPointer { try MongoDocuments.user($0) }
        #expect(user == UserRecord(id: id, login: "old", email: "", password: "plain", created: nil))
        #expect(user.hasLegacyPlainTextPassword)
    }

    @Test func malformedMessagesAreCorruptNotCrashes() {
        let id = ObjectIdGenerator().next()
        let noTime = BSONDocument(["_id": .oid(id), "user": .string("a"), "msg": .string("m")])
        #expect(throws: StoreError.self) { try noTime.withPointer { try MongoDocuments.message($0) } }
        let stringTime = BSONDocument(["_id": .oid(id), "user": .string("a"), "msg": .string("m"), "time": .string("yesterday")])
        #expect(throws: StoreError.self) { try stringTime.withPointer { try MongoDocuments.message($0) } }
        let noId = BSONDocument(["user": .string("a"), "msg": .string("m"), "time": .date(Date())])
        #expect(throws: StoreError.self) { try noId.withPointer { try MongoDocuments.message($0) } }
    }

    @Test func nestedDocumentsAndArraysReadBack() {
        let document = BSONDocument([
            "writeErrors": .array([
                .document(BSONDocument(["index": .int32(1), "code": .int32(11000), "errmsg": .string("dup")])),
                .document(BSONDocument(["index": .int32(2), "code": .int64(121), "errmsg": .string("validation")])),
            ]),
        ])
        var codes: [Int64] = []
        document.withPointer { pointer in
            BSONReader(raw: pointer).find("writeErrors")?.forEachChild { element in
                element.forEachChild { field in if field.key == "code" { codes.append(field.int64 ?? -1) } }
            }
        }
        #expect(codes == [11000, 121])
    }

    @Test func driverMessagesAreScrubbedOfTheURIsPassword() {
        let info = MongoURIInfo(hosts: "db1", secrets: ["s3cret"])
        #expect(info.scrub("auth failed for s3cret\nagain") == "auth failed for *** again")
    }

    @Test func duplicateIndexNameIsParsed() {
        let error = MongoDriverError(domain: 0, code: 11000,
                                     message: "E11000 duplicate key error collection: chat.users index: email_ci dup key: { email: \"login@x\" }")
        #expect(error.isDuplicateKey)
        #expect(error.duplicateIndexName == "email_ci")
    }
}
