/// Signs up `count` fresh accounts (login, then log-in timing is separate); returns cookies and timings.
struct Accounts {
    var cookies: [String] = []
    var logins: [String] = []
    var signupSeconds: Double = 0
    var loginSeconds: Double = 0

    static func create(url: ServerURL, prefix: String, count: Int, alsoLogIn: Bool) throws -> Accounts {
        var a = Accounts()
        let tag = hexString(randomSeed(), width: 6)
        let client = HTTPClient(url: url)
        let t0 = monoNow()
        for i in 0..<count {
            let login = "\(prefix)_\(tag)_\(i)"
            // A fresh connection per account: a session cookie from one must not leak into the next.
            client.disconnect()
            a.cookies.append(try Auth.signUp(client, login: login))
            a.logins.append(login)
        }
        a.signupSeconds = Double(monoNow() - t0) / 1e9
        if alsoLogIn {
            let t1 = monoNow()
            a.cookies = []
            for login in a.logins {
                client.disconnect()
                a.cookies.append(try Auth.logIn(client, login: login))
            }
            a.loginSeconds = Double(monoNow() - t1) / 1e9
        }
        return a
    }
}
