import GRDB
import QuireCore

/// The log's tables, created by numbered migrations. Projections keep their own tables
/// (see QuireProjections); this is only what the log itself needs.
enum Schema {
    static func migrate(_ writer: any DatabaseWriter) throws {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("1-events") { db in
            // Exactly DESIGN §2: auditors read this table with the sqlite3 shell.
            try db.execute(sql: """
                CREATE TABLE events(
                    position    INTEGER PRIMARY KEY,
                    stream      TEXT    NOT NULL,
                    version     INTEGER NOT NULL CHECK (version >= 1),
                    type        TEXT    NOT NULL,
                    schema      INTEGER NOT NULL,
                    event_id    TEXT    NOT NULL UNIQUE,
                    actor       TEXT    NOT NULL,
                    command_id  TEXT,
                    recorded_at TEXT    NOT NULL,
                    payload     TEXT    NOT NULL,
                    prev_hash   BLOB    NOT NULL,
                    hash        BLOB    NOT NULL,
                    UNIQUE(stream, version)
                );
                CREATE INDEX events_by_actor ON events(actor, position);
                CREATE INDEX events_by_type ON events(type, position);
                CREATE INDEX events_by_command ON events(command_id) WHERE command_id IS NOT NULL;
                -- access.denied events name their target in the payload; audit by session needs them.
                CREATE INDEX events_denied_by_target ON events(json_extract(payload, '$.target'), position)
                    WHERE type = 'access.denied';

                -- The log is immutable, also for someone holding the sqlite3 shell.
                CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'quire: events are immutable, UPDATE is refused'); END;
                CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'quire: events are immutable, DELETE is refused'); END;
                -- Positions are 1, 2, 3 … without gaps, and each stream's versions likewise.
                CREATE TRIGGER events_gapless BEFORE INSERT ON events
                WHEN NEW.position IS NOT COALESCE((SELECT MAX(position) FROM events), 0) + 1
                  OR NEW.version IS NOT COALESCE((SELECT MAX(version) FROM events WHERE stream = NEW.stream), 0) + 1
                BEGIN SELECT RAISE(ABORT, 'quire: positions and stream versions must follow without gaps'); END;

                -- Idempotency: the first outcome of every command that appended something.
                CREATE TABLE commands(
                    command_id     TEXT PRIMARY KEY,
                    fingerprint    TEXT NOT NULL,
                    actor          TEXT NOT NULL,
                    outcome        TEXT NOT NULL,
                    first_position INTEGER NOT NULL,
                    recorded_at    TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TRIGGER commands_no_update BEFORE UPDATE ON commands
                BEGIN SELECT RAISE(ABORT, 'quire: recorded commands are immutable'); END;
                CREATE TRIGGER commands_no_delete BEFORE DELETE ON commands
                BEGIN SELECT RAISE(ABORT, 'quire: recorded commands are immutable'); END;

                -- Paper files, stored once by the SHA-256 of their bytes; append-only.
                CREATE TABLE blobs(
                    hash      TEXT    NOT NULL UNIQUE,
                    size      INTEGER NOT NULL,
                    content   BLOB    NOT NULL,
                    stored_at TEXT    NOT NULL
                );
                CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs
                BEGIN SELECT RAISE(ABORT, 'quire: blobs are immutable'); END;
                CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blobs
                BEGIN SELECT RAISE(ABORT, 'quire: blobs are immutable'); END;
                """)
        }

        migrator.registerMigration("2-audit-time-index") { db in
            // audit --since/--until: a range on recorded_at instead of a scan of the log.
            try db.execute(sql: "CREATE INDEX events_by_time ON events(recorded_at)")
        }

        migrator.registerMigration("3-time-order") { db in
            // recorded_at never decreases in position order from `since_position` on: taken inside
            // the write transaction, never earlier than the previous event's. Logs written before
            // this rule keep their events as they are (the chain covers them); the rule holds for
            // every event appended after the upgrade. `import` moves `since_position` past the
            // last pair of an older log that breaks it.
            try db.execute(sql: """
                CREATE TABLE time_order(since_position INTEGER NOT NULL);
                INSERT INTO time_order(since_position) SELECT COALESCE(MAX(position), 0) + 1 FROM events;
                CREATE TRIGGER time_order_single_row BEFORE INSERT ON time_order
                BEGIN SELECT RAISE(ABORT, 'quire: time_order holds one row'); END;
                CREATE TRIGGER events_time_order BEFORE INSERT ON events
                WHEN NEW.position >= (SELECT since_position FROM time_order)
                  AND NEW.recorded_at < (SELECT recorded_at FROM events WHERE position = NEW.position - 1)
                BEGIN SELECT RAISE(ABORT, 'quire: recorded_at must not be earlier than the previous event''s'); END;
                """)
        }

        try writer.write { db in
            if try migrator.hasBeenSuperseded(db) {
                throw QuireError.internal("This database was written by a newer version of quire; upgrade quire to open it.")
            }
        }
        try migrator.migrate(writer)
    }
}
