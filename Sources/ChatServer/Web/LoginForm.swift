/// `POST /login`: the original's two fields.
struct LoginForm: Decodable {
    var login: String?
    var password: String?
}
