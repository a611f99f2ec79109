public enum ChatctlVersion {
    public static let current = "0.1.0"
}
