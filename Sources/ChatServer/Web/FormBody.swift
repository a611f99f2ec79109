import Hummingbird

/// An `application/x-www-form-urlencoded` body, capped at the context's upload size, decoded by
/// Hummingbird's `URLEncodedFormDecoder`.
enum FormBody {
    /// nil when the body is not a well-formed form of `Form` (bad UTF-8 or percent-encoding, a repeated
    /// field, a field of the wrong shape); a body over the limit is 413.
    static func read<Form: Decodable>(_ type: Form.Type, _ request: Request, _ context: ChatRequestContext) async throws -> Form? {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw HTTPError(.contentTooLarge, message: "Form too large.")
        }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else { return nil }
        return try? URLEncodedFormDecoder().decode(Form.self, from: text)
    }
}
