import QuireService

/// `QuireService.Request` under a name that does not clash with Hummingbird's `Request`. (The
/// module and its main type share the name `QuireService`, so the qualified spelling does not
/// resolve; this file imports only the service, where `Request` is unambiguous.)
typealias CommandRequest = Request
