import ChatModel
import Foundation
import Synchronization

/// Where a keyset-paged read has got to.
actor KeysetPager {
    let store: any ChatStore
    let filter: MessageFilter
    let pageSize: Int
    var position: ChatMessage?
    var finished = false

    init(store: any ChatStore, filter: MessageFilter, position: ChatMessage?, pageSize: Int) {
        self.store = store
        self.filter = filter
        self.position = position
        self.pageSize = pageSize
    }

    func next() async throws -> [ChatMessage]? {
        guard !finished else { return nil }
        let page = try await store.messages(matching: filter, after: position, limit: pageSize)
        finished = page.count < pageSize
        guard let last = page.last else { return nil }
        position = last
        return page
    }
}
