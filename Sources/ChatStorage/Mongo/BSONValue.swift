import CMongoc
import ChatModel
import Foundation

/// A value to append to a document; enough for the store's documents, filters, options and commands.
indirect enum BSONValue {
    case oid(ObjectId)
    case string(String)
    case date(Date)
    case int32(Int32)
    case int64(Int64)
    case bool(Bool)
    case document(BSONDocument)
    case array([BSONValue])
}
