import Foundation

/// MongoDB Extended JSON v2 for the `messages` collection, byte for byte what `mongoexport` writes:
/// fields in stored order (`_id`, `user`, `msg`, `time`), no spaces, strings escaped as the Go driver does
/// (only `"`, `\`, control characters, U+2028 and U+2029; no HTML escaping), and
/// - relaxed (default): `{"$date":"2026-11-24T19:00:00.123Z"}` for years 1970-9999, with the fraction's
///   trailing zeros dropped (Go's `.999` layout: `…:00Z`, `…:00.5Z`), else `{"$date":{"$numberLong":"<ms>"}}`;
/// - canonical: `{"$date":{"$numberLong":"<ms>"}}` always.
public enum ExtendedJSONFormat: String, Sendable, CaseIterable {
    case relaxed
    case canonical
}
