import Foundation
import Mustache

/// The HTML pages, Mustache templates embedded in the binary: `chatctl` serves from any directory.
/// Mustache's `{{ }}` escapes HTML, so user text cannot become markup.
public struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    public init() throws {
        var library = MustacheLibrary()
        let templates: [(String, [UInt8])] = [
            ("layout_head", PackageResources.layout_head_mustache),
            ("layout_foot", PackageResources.layout_foot_mustache),
            ("login", PackageResources.login_mustache),
            ("signin", PackageResources.signin_mustache),
            ("signout", PackageResources.signout_mustache),
            ("chat", PackageResources.chat_mustache),
        ]
        for (name, bytes) in templates {
            library.register(try MustacheTemplate(string: String(decoding: bytes, as: UTF8.self)), named: name)
        }
        self.library = library
    }

    public func render(_ page: String, _ values: [String: Any]) -> String {
        library.render(values, withTemplate: page) ?? ""
    }
}
