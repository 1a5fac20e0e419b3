import Foundation
import QuireCore
import QuireService

/// What the templates read. Plain structs (swift-mustache reads their stored properties), one
/// per thing a page shows, in the page's words rather than the API's.
enum PageModel {
    struct ViewerModel {
        var email: String
        var roleName: String
        var isSystemAdmin: Bool
        var csrf: String

        init(_ viewer: Viewer) {
            email = viewer.user.email
            roleName = viewer.isSystemAdmin ? "system admin" : "admin"
            isSystemAdmin = viewer.isSystemAdmin
            csrf = viewer.csrf
        }
    }

    struct Notice {
        var kind: String
        var role: String
        var text: String
        var link: String?
        var linkText: String?

        static func ok(_ text: String, link: String? = nil, linkText: String? = nil) -> Notice {
            Notice(kind: "ok", role: "status", text: text, link: link, linkText: linkText)
        }
        static func warn(_ text: String, link: String? = nil, linkText: String? = nil) -> Notice {
            Notice(kind: "warn", role: "status", text: text, link: link, linkText: linkText)
        }
        static func error(_ text: String, link: String? = nil, linkText: String? = nil) -> Notice {
            Notice(kind: "error", role: "alert", text: text, link: link, linkText: linkText)
        }
    }

    struct SessionRow {
        var id: String
        var name: String
        var fileName: String
        var status: String
        var statusName: String
        var step: String
        var progress: Int
        var questionCount: Int
        var questionsImported: Int
        var lastAccess: String
        var lastAccessedAt: String
        var legacy: Bool
        var version: Int
        var inProgress: Bool
        /// "Shared with you (editor)" on a collaborator's list.
        var sharedNote: String?
        /// The owner's email; "nobody (legacy)" for a legacy session.
        var ownerEmail: String

        init(_ s: SessionView, now: Timestamp) {
            id = s.id
            name = s.name
            fileName = s.fileName
            status = s.status
            statusName = switch s.status {
            case SessionStatus.inProgress.rawValue: "In progress"
            case SessionStatus.completed.rawValue: "Completed"
            case SessionStatus.expired.rawValue: "Expired"
            default: "Deleted"
            }
            step = s.step
            progress = s.progress
            questionCount = s.questionCount
            questionsImported = s.questionsImported
            lastAccess = PageModel.ago(s.lastAccessedAt, now: now)
            lastAccessedAt = s.lastAccessedAt.description
            legacy = s.legacy
            version = s.contentVersion ?? s.version  // the version a form compares: reading does not move it
            inProgress = s.status == SessionStatus.inProgress.rawValue
            sharedNote = s.sharedWithYou.map { "Shared with you (\($0))" }
            ownerEmail = s.ownerEmail ?? (s.ownerID == nil ? "nobody (legacy)" : "unknown user")
        }
    }

    struct Workspace {
        var viewer: ViewerModel
        var csrf: String
        var notices: [Notice]
        var inProgress: SessionRow?
        var hasSessions: Bool
        var sessions: [SessionRow]
        var moreNote: String?
        /// Sessions other admins offered to the viewer, waiting for an answer.
        var hasOffers: Bool
        var offers: [OfferRow]
    }

    /// A session offered to the viewer: accept or decline it.
    struct OfferRow {
        var id: String
        var name: String
        var fileName: String
        var fromEmail: String
        /// When the offer lapses (RFC 3339).
        var until: String
        var status: String
    }

    /// Someone a session is shared with, on its owner's page.
    struct CollaboratorRow {
        var email: String
        var role: String
    }

    struct RoleOption {
        var value: String
        var label: String
    }

    struct StepOption {
        var value: String
        var selected: Bool
    }

    struct SessionPage {
        var viewer: ViewerModel
        var csrf: String
        var notices: [Notice]
        var session: SessionRow
        var steps: [StepOption]
        var changeable: Bool
        /// Expired after being idle: its owner may reopen it.
        var reopenable: Bool
        var deletable: Bool
        var legacyNote: String?
        /// Sharing, offering and (system admins) transferring: the owner's controls.
        var shareable: Bool
        var hasCollaborators: Bool
        var collaborators: [CollaboratorRow]
        var roles: [RoleOption]
        var offerable: Bool
        /// "Offered to bob@… until …" while an offer waits for an answer.
        var pendingOffer: String?
        var transferable: Bool
        /// "Shared with you as editor by alice@…" for a collaborator.
        var sharedNote: String?
    }

    struct MonitorRow {
        var id: String
        var ownerEmail: String
        var name: String
        var fileName: String
        var hours: String
        var stale: Bool
        var step: String
        var progress: Int
        var questionCount: Int
        var questionsImported: Int
        /// "bob@… (editor), cy@… (viewer)", or empty when the session is not shared.
        var collaborators: String
    }

    struct Totals {
        var active: Int
        var stale: Int
        var owners: Int
        var questions: Int
        var imported: Int
        var denied: Int
        /// Sessions the stale-session timeout expired, and the timeout ("14d", "off", "not set").
        var expired: Int
        var expireAfter: String
        var pendingOffers: Int
        /// When this server last swept ("3 min ago"), or "not since this server started".
        var lastSweep: String
        var lastSweepAt: String?
    }

    struct DeniedRow {
        var recordedAt: String
        var when: String
        var actor: String
        var command: String
        var target: String
        var commandID: String?
    }

    struct Monitor {
        var viewer: ViewerModel
        var csrf: String
        var staleHours: String
        var totals: Totals
        var hasRows: Bool
        var rows: [MonitorRow]
        var moreNote: String?
        var idleChart: String
        var eventsChart: String
        var chartHours: Int
        var hasDenied: Bool
        var denied: [DeniedRow]
        var notices: [Notice]
        /// The hand-over form: the session id it was opened for, and the fields as last sent.
        var transfer: TransferForm
    }

    struct TransferForm {
        var sessionID: String
        var to: String
        var reason: String
    }

    /// The cleanup page: the filters as given, then the dry run's list with a confirm button,
    /// then what was deleted.
    struct Cleanup {
        var viewer: ViewerModel
        var csrf: String
        var isSystemAdmin: Bool
        var notices: [Notice]
        var filter: CleanupFields
        var statuses: [StatusOption]
        /// After a dry run: what would be deleted (the first `cleanupRows`), and the confirm
        /// form's hidden fields: a digest of the whole list and the command id to run under.
        var preview: Bool
        /// "2 sessions match."
        var countText: String
        var matches: [CleanupRow]
        var moreNote: String?
        var expected: String
        var commandID: String
    }

    struct CleanupFields {
        var legacy: Bool
        var expired: Bool
        var status: String
        var olderThan: String
        var owner: String
        var idleHours: String
    }

    struct StatusOption {
        var value: String
        var label: String
        var selected: Bool
    }

    struct CleanupRow {
        var id: String
        var name: String
        var ownerEmail: String
        var status: String
    }

    struct AuditFilter {
        var actor: String
        var session: String
        var type: String
        var since: String
        var until: String
        var denied: Bool
        var limit: Int
    }

    struct AuditLine {
        var position: Int64
        var recordedAt: String
        var actor: String
        var type: String
        var sessionID: String?
        var sessionShort: String
        var summary: String
        var commandID: String?
        var denied: Bool
    }

    struct Audit {
        var viewer: ViewerModel
        var csrf: String
        var isSystemAdmin: Bool
        var filter: AuditFilter
        var error: String?
        var downloadQuery: String
        var hasRows: Bool
        var rows: [AuditLine]
        var olderLink: String?
    }

    struct Change {
        var field: String
        var from: String
        var to: String
    }

    struct HistoryLine {
        var type: String
        var actor: String
        var recordedAt: String
        var version: Int?
        var commandID: String?
        var hasChanges: Bool
        var changes: [Change]
    }

    struct History {
        var viewer: ViewerModel
        var csrf: String
        var id: String
        var name: String
        var entries: [HistoryLine]
    }

    struct Fact {
        var key: String
        var value: String
    }

    struct ExplainEvent {
        var position: Int64
        var type: String
        var recordedAt: String
    }

    struct Explain {
        var viewer: ViewerModel
        var csrf: String
        var commandID: String
        var outcome: String
        var reason: String?
        var hasFacts: Bool
        var facts: [Fact]
        var hasEvents: Bool
        var events: [ExplainEvent]
    }

    struct DemoButton {
        var email: String
        var roleName: String
        var token: String
    }

    struct SignIn {
        var error: String?
        var hasDemo: Bool
        var demo: [DemoButton]
    }

    struct Message {
        var viewer: ViewerModel?
        var csrf: String?
        var heading: String
        var message: String
    }

    /// "just now", "5 min ago", "3 h ago", "2 days ago".
    static func ago(_ t: Timestamp, now: Timestamp) -> String {
        let minutes = max(0, (now.milliseconds - t.milliseconds) / 60_000)
        switch minutes {
        case 0: return "just now"
        case 1..<60: return "\(minutes) min ago"
        case 60..<(48 * 60): return "\(minutes / 60) h ago"
        default: return "\(minutes / (24 * 60)) days ago"
        }
    }
}
