/// The session cookie, as the server sets it and the terminal clients send it back.
public enum SessionCookie {
    public static let name = "chat_session"
}
