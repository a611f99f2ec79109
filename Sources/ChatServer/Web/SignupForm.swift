/// `POST /signin`: the original's three fields.
struct SignupForm: Decodable {
    var login: String?
    var email: String?
    var password: String?
}
