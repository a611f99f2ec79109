@testable import ChatConfig
import Testing

@Suite struct MongoURITests {
    @Test(arguments: ["mongodb://127.0.0.1:27017", "mongodb://localhost", "mongodb://u:p@a.example.com:27017,b.example.com:27018/chat?replicaSet=rs0",
                      "mongodb+srv://cluster0.example.com/chat", "mongodb://[::1]:27017/", "mongodb://%2Ftmp%2Fmongodb-27017.sock"])
    func goodMongoURIs(uri: String) {
        #expect(MongoURI.problem(uri) == nil)
    }

    @Test(arguments: ["http://localhost", "mongodb://", "mongodb://host:notaport", "mongodb://host:70000", "mongodb://a,,b",
                      "mongodb+srv://a.example.com:27017", "mongodb://@host", "mongodb://ho st"])
    func badMongoURIs(uri: String) {
        #expect(MongoURI.problem(uri) != nil)
    }

    @Test func redactsPasswords() {
        #expect(MongoURI.redacted("mongodb://user:secret@host/db") == "mongodb://user:***@host/db")
        #expect(MongoURI.redacted("mongodb://host/db") == "mongodb://host/db")
    }

    @Test func redactsCredentialsFromURIs() {
        #expect(MongoURI.redacted("mongodb://user:s3cret@db1:27017,db2/chat?replicaSet=rs") == "mongodb://user:***@db1:27017,db2/chat?replicaSet=rs")
        #expect(MongoURI.redacted("mongodb://db1:27017/") == "mongodb://db1:27017/")
        #expect(MongoURI.redacted("mongodb+srv://u:p%40ss@cluster.example.com/") == "mongodb+srv://u:***@cluster.example.com/")
        #expect(MongoURI.rawPassword(in: "mongodb://u:p%40ss@h/") == "p%40ss")
    }
}
