import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import QuireCore
import QuireStorage

/// The connections one `PostgresStore` holds, lent to one transaction at a time.
///
/// The storage contract is synchronous (the service runs its transactions on threads of its own, off
/// the event loops), so a transaction blocks on its queries' futures. `PostgresClient`'s pool is
/// async-only and needs a task running it, which a synchronous caller cannot give; this pool is the
/// small part that is left: idle connections are reused, at most `capacity` are open, a broken
/// one is closed and replaced by the next lease, so quire reconnects by itself once the database
/// is back.
final class PostgresPool: @unchecked Sendable {
    let location: PostgresLocation
    let logger: Logger
    private let configuration: PostgresConnection.Configuration
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var nextID = 0
    let capacity: Int

    init(_ location: PostgresLocation, capacity: Int = 8) throws(QuireError) {
        self.location = location
        self.capacity = capacity
        var logger = Logger(label: "quire.postgres")
        logger.logLevel = .critical
        self.logger = logger
        let tls: PostgresConnection.Configuration.TLS
        do {
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            switch location.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: unverified))
            case .require: tls = .require(try NIOSSLContext(configuration: unverified))
            case .verifyFull: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw .internal("Cannot set up TLS for \(location): \(error).")
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(5)
        self.configuration = configuration
    }

    /// A connection of this pool's, for one transaction: `release` it when done.
    func lease() throws(QuireError) -> PostgresConnection {
        condition.lock()
        while true {
            while let connection = idle.popLast() {
                if !connection.isClosed {
                    condition.unlock()
                    return connection
                }
                open -= 1
            }
            if open < capacity { break }
            condition.wait()
        }
        open += 1
        nextID += 1
        let id = nextID
        condition.unlock()
        do {
            let connection = try PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger).wait()
            // quire's schema first; a lock that stays held 30 s is a busy database (a conflict the
            // caller may retry), not a hang.
            let setup = PostgresQuery(unsafeSQL: "SELECT set_config('search_path', $1, false), set_config('lock_timeout', '30s', false)",
                                      binds: PostgresSQL.bindings([.text(location.schema)]))
            _ = try PostgresSQL.answer(connection.query(setup, logger: logger), on: connection)
            return connection
        } catch {
            condition.lock()
            open -= 1
            condition.signal()
            condition.unlock()
            throw PostgresErrors.translate(error, location)
        }
    }

    /// Gives a connection back; a `broken` one (its transaction failed in a way that leaves it
    /// unusable, or the server cut it) is closed instead.
    func release(_ connection: PostgresConnection, broken: Bool = false) {
        let keep = !broken && !connection.isClosed
        if !keep { Self.closeSoon(connection) }
        condition.lock()
        if keep { idle.append(connection) } else { open -= 1 }
        condition.signal()
        condition.unlock()
    }

    /// Closes without waiting, keeping the connection alive until it is closed (the driver insists
    /// a connection is closed before it goes away).
    static func closeSoon(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// A connection of its own, outside the pool: the live tail's `LISTEN`.
    func dedicated() throws(QuireError) -> PostgresConnection {
        do {
            return try PostgresConnection.connect(on: group.next(), configuration: configuration, id: 0, logger: logger).wait()
        } catch {
            throw PostgresErrors.translate(error, location)
        }
    }

    func close() {
        condition.lock()
        let all = idle
        idle = []
        open -= all.count
        condition.unlock()
        for connection in all { _ = try? (connection.close() as EventLoopFuture<Void>).wait() }
    }

    deinit {
        for connection in idle { Self.closeSoon(connection) }
    }
}

/// PostgreSQL's and the driver's errors as the one sentence quire reports.
enum PostgresErrors {
    static func translate(_ error: any Error, _ location: PostgresLocation) -> QuireError {
        if let error = error as? QuireError { return error }
        if let error = error as? PSQLError {
            if error.code == .server, let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? "error \(state)"
                switch state {
                case "40001", "40P01", "55P03":
                    var e = QuireError(.conflict, "Another writer on \(location.database) got in first; retry.")
                    e.expectedVersion = nil
                    return e
                case "57P01", "57P02", "57P03", "53300", "08000", "08003", "08006":
                    return .unavailable("The PostgreSQL database at \(location.host):\(location.port) is temporarily unavailable (\(message)); nothing was appended and it is safe to retry.")
                case "28000", "28P01":
                    return .internal("PostgreSQL refused to let \(location.user) in to \(location.database): \(message).")
                case "3D000":
                    return .internal("There is no database \(location.database) on \(location.host):\(location.port).")
                case "53100":
                    return .internal("The disk holding \(location.database) is full: nothing was appended.")
                case "25006":
                    return .internal("\(location.database) is read-only here (a replica?): quire cannot append to it.")
                default:
                    if message.hasPrefix("quire: ") { return .internal(String(message.dropFirst(7)).capitalizedFirst + ".") }
                    return .internal("PostgreSQL error on \(location.database): \(message).")
                }
            }
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return .unavailable("The PostgreSQL database at \(location.host):\(location.port) is temporarily unavailable (\(reason(error))); nothing was appended and it is safe to retry.")
            default:
                return .internal("PostgreSQL error on \(location.database): \(reason(error)).")
            }
        }
        if error is PostgresSQL.ConnectionLost {
            return .unavailable("The connection to PostgreSQL at \(location.host):\(location.port) was lost (the server closed it); nothing was appended and it is safe to retry with the same command id.")
        }
        if error is PostgresSQL.NoAnswer {
            return .unavailable("The PostgreSQL database at \(location.host):\(location.port) stopped answering; the connection was closed, and the command is safe to retry with the same command id.")
        }
        if let error = error as? IOError {
            return .unavailable("The PostgreSQL database at \(location.host):\(location.port) is temporarily unavailable (\(error)); nothing was appended and it is safe to retry.")
        }
        if error is ChannelError || error is NIOConnectionError {
            return .unavailable("The PostgreSQL database at \(location.host):\(location.port) is temporarily unavailable (cannot connect); nothing was appended and it is safe to retry.")
        }
        return .internal("PostgreSQL error on \(location.database): \(error).")
    }

    private static func reason(_ error: PSQLError) -> String {
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }

    /// The SQLSTATE of a server error, if it is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
