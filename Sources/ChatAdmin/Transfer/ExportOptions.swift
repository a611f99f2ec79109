import ChatModel
import Foundation

public struct ExportOptions: Sendable {
    public var filter: MessageFilter
    public var format: ExtendedJSONFormat
    /// One JSON array instead of one document per line.
    public var array: Bool
    public var pageSize: Int

    public init(filter: MessageFilter = MessageFilter(), format: ExtendedJSONFormat = .relaxed, array: Bool = false, pageSize: Int = 1000) {
        self.filter = filter
        self.format = format
        self.array = array
        self.pageSize = pageSize
    }
}
