/// The one way quire writes an email address down: surrounding whitespace (spaces, tabs,
/// newlines: an address pasted from a file keeps its line break) removed, then lowercased.
///
/// Every path that registers or looks a user up by email goes through it, so `"Carol@X.org\n"`
/// finds `carol@x.org` and a second registration of it gets the decider's "already registered",
/// not the database's UNIQUE constraint.
public enum Email {
    public static func normalized(_ raw: String) -> String {
        raw.trimmingWhitespace().lowercased()
    }
}
