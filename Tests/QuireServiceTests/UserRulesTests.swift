import Testing
@testable import QuireCore

// DESIGN §1: only registered, active users act; only a system admin registers users, changes
// roles, deactivates users and sees the monitor; the last active system admin stays.

private let root = DeciderSpecification.As.user("root@example.org")
private let alice = DeciderSpecification.As.user("alice@example.org")

@Suite("Registering users")
struct RegisterUserTests {
    @Test func quireItselfRegistersTheFirstSystemAdmin() {
        given().when(.registerUser(RegisterUser(email: "Root@Example.org ", role: .systemAdmin)), actor: .system)
            .then([.userRegistered(UserRegistered(userID: Spec.newUserID, email: "root@example.org", role: .systemAdmin))])
    }

    @Test func quireItselfRegistersNoOneOnceASystemAdminExists() {
        given(Spec.staff).when(.registerUser(RegisterUser(email: "eve@example.org", role: .systemAdmin)), actor: .system)
            .thenThrows(.forbidden)
    }

    @Test func quireItselfRegistersNoPlainAdmin() {
        given().when(.registerUser(RegisterUser(email: "eve@example.org", role: .admin)), actor: .system)
            .thenThrows(.forbidden)
    }

    @Test(arguments: Role.allCases)
    func aSystemAdminRegistersUsersOfEitherRole(_ role: Role) {
        given(Spec.staff).when(.registerUser(RegisterUser(email: "  Carol@Example.ORG", role: role)), actor: root)
            .then([.userRegistered(UserRegistered(userID: Spec.newUserID, email: "carol@example.org", role: role))])
    }

    @Test func anExplicitIDIsKept() {
        given(Spec.staff)
            .when(.registerUser(RegisterUser(email: "carol@example.org", role: .admin, id: UserID("3f2c-sub"))), actor: root)
            .then([.userRegistered(UserRegistered(userID: UserID("3f2c-sub"), email: "carol@example.org", role: .admin))])
    }

    @Test func anIDThatIsTakenIsInvalidInput() {
        let error = given(Spec.staff)
            .when(.registerUser(RegisterUser(email: "carol@example.org", role: .admin, id: Spec.aliceID)), actor: root)
            .thenThrows(.invalidInput)
        #expect(error?.message.contains("alice@example.org") == true)
    }

    @Test(arguments: ["", "has space", "semi;colon", String(repeating: "x", count: 129)])
    func anUnusableIDIsInvalidInput(_ id: String) {
        given(Spec.staff)
            .when(.registerUser(RegisterUser(email: "carol@example.org", role: .admin, id: UserID(id))), actor: root)
            .thenThrows(.invalidInput)
    }

    @Test(arguments: ["alice@example.org", "ALICE@example.org", " alice@example.org "])
    func aRegisteredEmailIsInvalidInput(_ email: String) {
        let error = given(Spec.staff).when(.registerUser(RegisterUser(email: email, role: .admin)), actor: root)
            .thenThrows(.invalidInput)
        #expect(error?.exitCode == 65)
    }

    @Test func aDeactivatedUsersEmailIsStillTaken() {
        given(Spec.staff + [.userDeactivated(UserDeactivated(userID: Spec.aliceID))])
            .when(.registerUser(RegisterUser(email: "alice@example.org", role: .admin)), actor: root)
            .thenThrows(.invalidInput)
    }

    @Test(arguments: ["", "carol", "@example.org", "carol@", "a@b@c", "carol @example.org", "a@b,c@d"])
    func somethingThatIsNotAnEmailIsInvalidInput(_ email: String) {
        given(Spec.staff).when(.registerUser(RegisterUser(email: email, role: .admin)), actor: root)
            .thenThrows(.invalidInput)
    }

    @Test func anAdminIsDeniedByRole() {
        let error = given(Spec.staff).when(.registerUser(RegisterUser(email: "carol@example.org", role: .admin)), actor: alice)
            .thenDenied(reason: .role, .forbidden, command: "user.register", target: "users")
        #expect(error?.exitCode == 77)
    }

    @Test(arguments: [ActorKind.anonymous, .unknown])
    func anUnknownActorIsRefused(_ actor: ActorKind) {
        given(Spec.staff).when(.registerUser(RegisterUser(email: "carol@example.org", role: .admin)), actor: actor.actor)
            .thenThrows(.unknownUser)
    }

    @Test func aDeactivatedSystemAdminIsRefused() {
        let spec = given(Spec.staff + [
            .userRegistered(UserRegistered(userID: UserID("u-root2"), email: "root2@example.org", role: .systemAdmin)),
            .userDeactivated(UserDeactivated(userID: Spec.rootID)),
        ])
        spec.when(.registerUser(RegisterUser(email: "carol@example.org", role: .admin)), actor: root).thenThrows(.unknownUser)
    }
}

@Suite("Changing roles")
struct ChangeRoleTests {
    @Test func aSystemAdminPromotesAnAdmin() {
        given(Spec.staff).when(.changeRole(ChangeRole(user: "alice@example.org", role: .systemAdmin)), actor: root)
            .then([.userRoleChanged(UserRoleChanged(userID: Spec.aliceID, role: .systemAdmin))])
    }

    @Test func theUserMayBeNamedByID() {
        given(Spec.staff).when(.changeRole(ChangeRole(user: "u-alice", role: .systemAdmin)), actor: root)
            .then([.userRoleChanged(UserRoleChanged(userID: Spec.aliceID, role: .systemAdmin))])
    }

    @Test func aSystemAdminDemotesAnotherWhenOneStays() {
        given(Spec.staff + [.userRoleChanged(UserRoleChanged(userID: Spec.aliceID, role: .systemAdmin))])
            .when(.changeRole(ChangeRole(user: "root@example.org", role: .admin)), actor: alice)
            .then([.userRoleChanged(UserRoleChanged(userID: Spec.rootID, role: .admin))])
    }

    @Test func theLastActiveSystemAdminCannotBeDemoted() {
        let error = given(Spec.staff).when(.changeRole(ChangeRole(user: "root@example.org", role: .admin)), actor: root)
            .thenThrows(.invalidInput)
        #expect(error?.message.contains("last active system admin") == true)
    }

    @Test func aDeactivatedSystemAdminDoesNotCountAsOneWhoStays() {
        let spec = given(Spec.staff + [
            .userRegistered(UserRegistered(userID: UserID("u-root2"), email: "root2@example.org", role: .systemAdmin)),
            .userDeactivated(UserDeactivated(userID: UserID("u-root2"))),
        ])
        spec.when(.changeRole(ChangeRole(user: "root@example.org", role: .admin)), actor: root).thenThrows(.invalidInput)
    }

    @Test func anAdminIsDeniedByRole() {
        given(Spec.staff).when(.changeRole(ChangeRole(user: "bob@example.org", role: .systemAdmin)), actor: alice)
            .thenDenied(reason: .role, .forbidden, command: "user.change_role", target: "users")
    }

    @Test func anAdminCannotPromoteThemself() {
        given(Spec.staff).when(.changeRole(ChangeRole(user: "alice@example.org", role: .systemAdmin)), actor: alice)
            .thenDenied(reason: .role, .forbidden)
    }

    @Test func quireItselfMayNotChangeRoles() {
        given(Spec.staff).when(.changeRole(ChangeRole(user: "alice@example.org", role: .systemAdmin)), actor: .system)
            .thenThrows(.forbidden)
    }

    @Test func anUnknownTargetIsAnUnknownUser() {
        given(Spec.staff).when(.changeRole(ChangeRole(user: "ghost@example.org", role: .admin)), actor: root)
            .thenThrows(.unknownUser)
    }

    @Test func theSameRoleIsInvalidInput() {
        given(Spec.staff).when(.changeRole(ChangeRole(user: "alice@example.org", role: .admin)), actor: root)
            .thenThrows(.invalidInput)
    }

    @Test(arguments: [ActorKind.anonymous, .unknown])
    func anUnknownActorIsRefused(_ actor: ActorKind) {
        given(Spec.staff).when(.changeRole(ChangeRole(user: "alice@example.org", role: .systemAdmin)), actor: actor.actor)
            .thenThrows(.unknownUser)
    }
}

@Suite("Deactivating users")
struct DeactivateUserTests {
    @Test func aSystemAdminDeactivatesAnAdminWithAReason() {
        given(Spec.staff).when(.deactivateUser(DeactivateUser(user: "bob@example.org", reason: " left the team ")), actor: root)
            .then([.userDeactivated(UserDeactivated(userID: Spec.bobID, reason: "left the team"))])
    }

    @Test func theLastActiveSystemAdminCannotBeDeactivated() {
        let error = given(Spec.staff).when(.deactivateUser(DeactivateUser(user: "root@example.org")), actor: root)
            .thenThrows(.invalidInput)
        #expect(error?.message.contains("last active system admin") == true)
    }

    @Test func aSystemAdminMayBeDeactivatedWhenAnotherStays() {
        given(Spec.staff + [.userRoleChanged(UserRoleChanged(userID: Spec.aliceID, role: .systemAdmin))])
            .when(.deactivateUser(DeactivateUser(user: "root@example.org")), actor: alice)
            .then([.userDeactivated(UserDeactivated(userID: Spec.rootID))])
    }

    @Test func aDeactivatedUserCannotBeDeactivatedAgain() {
        given(Spec.staff + [.userDeactivated(UserDeactivated(userID: Spec.bobID))])
            .when(.deactivateUser(DeactivateUser(user: "bob@example.org")), actor: root)
            .thenThrows(.invalidInput)
    }

    @Test func anAdminIsDeniedByRole() {
        given(Spec.staff).when(.deactivateUser(DeactivateUser(user: "bob@example.org")), actor: alice)
            .thenDenied(reason: .role, .forbidden, command: "user.deactivate", target: "users")
    }

    @Test func quireItselfMayNotDeactivate() {
        given(Spec.staff).when(.deactivateUser(DeactivateUser(user: "bob@example.org")), actor: .system)
            .thenThrows(.forbidden)
    }

    @Test func anUnknownTargetIsAnUnknownUser() {
        given(Spec.staff).when(.deactivateUser(DeactivateUser(user: "ghost@example.org")), actor: root)
            .thenThrows(.unknownUser)
    }

    @Test func aDeactivatedUserCanNoLongerAct() {
        let spec = given(Spec.staff + [.userDeactivated(UserDeactivated(userID: Spec.aliceID))])
        let error = spec.when(.createSession(CreateSession(file: Spec.paper())), actor: alice).thenThrows(.unknownUser)
        #expect(error?.message.contains("deactivated") == true)
    }
}

@Suite("Role-restricted queries")
struct QueryAuthorizationTests {
    @Test(arguments: [Query.monitor, .listUsers, .auditOthers])
    func anAdminIsDeniedByRole(_ query: Query) {
        let error = given(Spec.staff).whenAsking(query, actor: alice)
            .thenDenied(reason: .role, .forbidden, command: query.rawValue, target: query.rawValue)
        #expect(error?.exitCode == 77)
    }

    @Test(arguments: [Query.monitor, .listUsers, .auditOthers])
    func aSystemAdminIsAllowedAndNothingIsRecorded(_ query: Query) {
        given(Spec.staff).whenAsking(query, actor: root).then([])
    }

    @Test func anUnknownOrDeactivatedActorIsRefused() {
        let spec = given(Spec.staff + [
            .userRegistered(UserRegistered(userID: UserID("u-root2"), email: "root2@example.org", role: .systemAdmin)),
            .userDeactivated(UserDeactivated(userID: Spec.rootID)),
        ])
        spec.whenAsking(.monitor, actor: root).thenThrows(.unknownUser)
        spec.whenAsking(.monitor, actor: .anonymous).thenThrows(.unknownUser)
        spec.whenAsking(.monitor, actor: .user("mallory@example.org")).thenThrows(.unknownUser)
        spec.whenAsking(.monitor, actor: .system).thenThrows(.unknownUser)
    }

    @Test func aPromotedAdminSeesTheMonitor() {
        given(Spec.staff + [.userRoleChanged(UserRoleChanged(userID: Spec.aliceID, role: .systemAdmin))])
            .whenAsking(.monitor, actor: alice).then([])
    }
}

@Suite("How events evolve a user")
struct UserEvolveTests {
    let t0 = Timestamp(rfc3339: "2026-02-01T10:00:00.000Z")!

    @Test func registeredThenRoleChangedThenDeactivated() throws {
        let registered = try #require(UserState.evolve(nil, .userRegistered(Spec.alice), version: 1, at: t0))
        #expect(registered == UserState(id: Spec.aliceID, email: "alice@example.org", role: .admin, active: true, version: 1,
                                        registeredAt: t0))
        let promoted = try #require(UserState.evolve(registered, .userRoleChanged(UserRoleChanged(userID: Spec.aliceID, role: .systemAdmin)),
                                                     version: 2, at: t0.adding(milliseconds: 5)))
        #expect(promoted.role == .systemAdmin)
        #expect(promoted.version == 2)
        #expect(promoted.registeredAt == t0)
        let gone = try #require(UserState.evolve(promoted, .userDeactivated(UserDeactivated(userID: Spec.aliceID)),
                                                 version: 3, at: t0.adding(milliseconds: 9)))
        #expect(!gone.active)
        #expect(gone.role == .systemAdmin)
        #expect(gone.version == 3)
    }

    @Test func eventsBeforeRegistrationAndASecondRegistrationChangeNothing() throws {
        #expect(UserState.evolve(nil, .userDeactivated(UserDeactivated(userID: Spec.aliceID)), version: 1, at: t0) == nil)
        #expect(UserState.evolve(nil, .userRoleChanged(UserRoleChanged(userID: Spec.aliceID, role: .admin)), version: 1, at: t0) == nil)
        let alice = try #require(UserState.evolve(nil, .userRegistered(Spec.alice), version: 1, at: t0))
        let again = UserRegistered(userID: Spec.aliceID, email: "other@example.org", role: .systemAdmin)
        #expect(UserState.evolve(alice, .userRegistered(again), version: 2, at: t0) == alice)
        #expect(UserState.evolve(alice, .sessionAccessed(SessionAccessed(sessionID: SessionID("s"))), version: 2, at: t0) == alice)
    }
}
