@testable import ChatConfig
import Testing

@Suite struct WebOriginTests {
    @Test func defaultPortsAreTheSameOrigin() {
        #expect(WebOrigin.normalize("https://Chat.Example.com:443") == "https://chat.example.com")
        #expect(WebOrigin.normalize("http://x.example:80/") == "http://x.example")
        #expect(WebOrigin.normalize("http://localhost:3000") == "http://localhost:3000")
        #expect(WebOrigin.normalize("https://[::1]:8443") == "https://[::1]:8443")
    }

    @Test(arguments: ["https://*.example.com", "ftp://x.example", "https://x.example/path", "https://u:p@x.example",
                      "https://x.example#frag", "https://x.example:0", "not an origin", "https://exa mple.com"])
    func whatNoBrowserSendsIsRefused(_ text: String) {
        #expect(WebOrigin.normalize(text) == nil)
    }
}
