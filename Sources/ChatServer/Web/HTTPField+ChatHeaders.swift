import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
