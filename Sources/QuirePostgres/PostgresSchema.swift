import Foundation
import QuireCore
import QuireStorage

/// The log's tables in PostgreSQL, created by numbered migrations inside quire's own schema.
/// Projections keep their own tables (QuireProjections declares them; `PostgresTables` creates
/// them); this is only what the log itself needs, plus the roles and functions the web app's
/// row-level security reads through.
///
/// Every text column the log is ordered or ranged by is `COLLATE "C"`: byte order, as SQLite
/// compares, whatever the database's own locale — `recorded_at` ranges, type prefixes and the
/// order of projection rows are then the same on both backends.
enum PostgresSchema {
    struct Migration: Sendable {
        let name: String
        let sql: @Sendable (String) -> String
    }

    static let migrations: [Migration] = [
        Migration(name: "1-events") { _ in
            """
            -- Exactly DESIGN §2, with PostgreSQL's types: auditors read this table with psql.
            CREATE TABLE events(
                position    bigint  PRIMARY KEY CHECK (position >= 1),
                stream      text    COLLATE "C" NOT NULL,
                version     integer NOT NULL CHECK (version >= 1),
                type        text    COLLATE "C" NOT NULL,
                schema      integer NOT NULL,
                event_id    text    COLLATE "C" NOT NULL UNIQUE,
                actor       text    COLLATE "C" NOT NULL,
                command_id  text    COLLATE "C",
                recorded_at text    COLLATE "C" NOT NULL,
                payload     text    NOT NULL,
                prev_hash   bytea   NOT NULL,
                hash        bytea   NOT NULL,
                UNIQUE(stream, version)
            );
            CREATE INDEX events_by_actor ON events(actor, position);
            CREATE INDEX events_by_type ON events(type, position);
            CREATE INDEX events_by_command ON events(command_id) WHERE command_id IS NOT NULL;
            CREATE INDEX events_by_time ON events(recorded_at);
            -- access.denied events name their target in the payload; audit by session needs them.
            CREATE INDEX events_denied_by_target ON events(((payload::jsonb ->> 'target')), position)
                WHERE type = 'access.denied';

            -- The head of the log: the last position, its hash and its time. Every write transaction
            -- locks this row first (SELECT … FOR UPDATE), so appends are serialised and a position
            -- is never visible before every lower one has committed; the chain needs the previous
            -- hash anyway. The insert trigger below takes the same lock for anyone else's INSERT.
            CREATE TABLE log_head(
                one         boolean PRIMARY KEY DEFAULT true CHECK (one),
                position    bigint  NOT NULL,
                hash        bytea   NOT NULL,
                recorded_at text    COLLATE "C"
            );
            INSERT INTO log_head(position, hash, recorded_at) VALUES (0, decode(repeat('00', 32), 'hex'), NULL);

            -- recorded_at never decreases in position order from since_position on (see the SQLite
            -- backend's migration 3); `import` moves it past an older log's last disorder.
            CREATE TABLE time_order(
                one            boolean PRIMARY KEY DEFAULT true CHECK (one),
                since_position bigint NOT NULL
            );
            INSERT INTO time_order(since_position) VALUES (1);

            -- The log is immutable, also for someone holding psql (even as a superuser, unless they
            -- switch triggers off with session_replication_role — the hash chain and the signed
            -- checkpoints are what show that).
            CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'quire: % are immutable, % is refused', TG_ARGV[0], TG_OP;
            END $$;
            CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events
                FOR EACH ROW EXECUTE FUNCTION refuse_change('events');
            CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('events');

            -- Every INSERT into events waits for the head row, like quire's own appends.
            CREATE FUNCTION events_lock_head() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM 1 FROM log_head FOR UPDATE;
                RETURN NULL;
            END $$;
            CREATE TRIGGER events_serialised BEFORE INSERT ON events
                FOR EACH STATEMENT EXECUTE FUNCTION events_lock_head();

            -- Positions are 1, 2, 3 … without gaps, each stream's versions likewise, and times in order.
            CREATE FUNCTION events_follow() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                last_position bigint;
                last_time text;
                last_version integer;
                since bigint;
            BEGIN
                SELECT e.position, e.recorded_at INTO last_position, last_time FROM events e ORDER BY e.position DESC LIMIT 1;
                SELECT max(e.version) INTO last_version FROM events e WHERE e.stream = NEW.stream;
                IF NEW.position <> coalesce(last_position, 0) + 1 OR NEW.version <> coalesce(last_version, 0) + 1 THEN
                    RAISE EXCEPTION 'quire: positions and stream versions must follow without gaps';
                END IF;
                SELECT t.since_position INTO since FROM time_order t;
                IF NEW.position >= since AND last_time IS NOT NULL AND NEW.recorded_at < last_time COLLATE "C" THEN
                    RAISE EXCEPTION 'quire: recorded_at must not be earlier than the previous event''s';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER events_gapless BEFORE INSERT ON events
                FOR EACH ROW EXECUTE FUNCTION events_follow();

            -- After each INSERT: move the head, and tell every listening server (delivered at commit,
            -- in commit order — which is position order, since appends are serialised).
            CREATE FUNCTION events_advance() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE log_head h SET position = e.position, hash = e.hash, recorded_at = e.recorded_at
                FROM (SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1) e;
                PERFORM pg_notify(TG_TABLE_SCHEMA || '.events', (SELECT max(position) FROM inserted)::text);
                RETURN NULL;
            END $$;
            CREATE TRIGGER events_advance AFTER INSERT ON events
                REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION events_advance();
            CREATE TRIGGER log_head_no_delete BEFORE DELETE ON log_head
                FOR EACH ROW EXECUTE FUNCTION refuse_change('the log''s head');

            -- Idempotency: the first outcome of every command that appended something.
            CREATE TABLE commands(
                command_id     text   COLLATE "C" PRIMARY KEY,
                fingerprint    text   NOT NULL,
                actor          text   COLLATE "C" NOT NULL,
                outcome        text   NOT NULL,
                first_position bigint NOT NULL,
                recorded_at    text   COLLATE "C" NOT NULL
            );
            CREATE TRIGGER commands_immutable BEFORE UPDATE OR DELETE ON commands
                FOR EACH ROW EXECUTE FUNCTION refuse_change('recorded commands');
            CREATE TRIGGER commands_no_truncate BEFORE TRUNCATE ON commands
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('recorded commands');

            -- Paper files, stored once by the SHA-256 of their bytes; append-only.
            CREATE TABLE blobs(
                hash      text   COLLATE "C" PRIMARY KEY,
                size      bigint NOT NULL,
                content   bytea  NOT NULL,
                stored_at text   COLLATE "C" NOT NULL
            );
            CREATE TRIGGER blobs_immutable BEFORE UPDATE OR DELETE ON blobs
                FOR EACH ROW EXECUTE FUNCTION refuse_change('blobs');
            CREATE TRIGGER blobs_no_truncate BEFORE TRUNCATE ON blobs
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('blobs');

            CREATE TABLE projection_checkpoints(
                name         text    COLLATE "C" PRIMARY KEY,
                code_version integer NOT NULL,
                position     bigint  NOT NULL
            );
            """
        },
        Migration(name: "2-web-roles") { schema in
            """
            -- Supabase's conventions, for the web app's own reads: the roles `anon` and
            -- `authenticated`, and auth.uid() = the `sub` of the request's JWT claims. On Supabase they
            -- exist already and are left as they are; elsewhere quire makes minimal ones.
            -- Roles belong to the whole cluster, so a quire in another database may be creating them at
            -- this very moment: the one that loses that race finds them made, which is what it wanted.
            DO $$ BEGIN
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END;
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END;
            END $$;
            CREATE SCHEMA IF NOT EXISTS auth;
            DO $$ BEGIN
                IF to_regprocedure('auth.uid()') IS NULL THEN
                    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $f$
                        SELECT coalesce(
                            nullif(current_setting('request.jwt.claim.sub', true), ''),
                            nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
                        )::uuid
                    $f$;
                    GRANT USAGE ON SCHEMA auth TO anon, authenticated;
                    GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated;
                END IF;
            END $$;

            REVOKE ALL ON SCHEMA \(schema) FROM PUBLIC;
            GRANT USAGE ON SCHEMA \(schema) TO authenticated;
            REVOKE ALL ON ALL TABLES IN SCHEMA \(schema) FROM PUBLIC, anon, authenticated;
            ALTER TABLE events ENABLE ROW LEVEL SECURITY;
            ALTER TABLE log_head ENABLE ROW LEVEL SECURITY;
            ALTER TABLE time_order ENABLE ROW LEVEL SECURITY;
            ALTER TABLE commands ENABLE ROW LEVEL SECURITY;
            ALTER TABLE blobs ENABLE ROW LEVEL SECURITY;
            ALTER TABLE projection_checkpoints ENABLE ROW LEVEL SECURITY;

            -- The reader's quire role (admin, system_admin), or NULL for an unknown or deactivated
            -- user: policies call it; it reads auth_users with quire's rights, and nothing else.
            -- (auth_users is a projection table, created once the migrations have run.)
            SET LOCAL check_function_bodies = off;
            CREATE FUNCTION viewer_role() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
                SET search_path = \(schema), pg_temp AS $$
                SELECT role FROM auth_users WHERE user_id = (SELECT auth.uid())::text AND active = 1
            $$;
            REVOKE ALL ON FUNCTION viewer_role() FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION viewer_role() TO authenticated;
            """
        },
        Migration(name: "3-shared-sessions") { schema in
            """
            -- The sessions shared with the reader (collaborators, DESIGN's seed features): the
            -- session_views policy lists them beside the reader's own, as `session list` does. It
            -- reads session_collaborators with quire's rights, and nothing else.
            SET LOCAL check_function_bodies = off;
            CREATE FUNCTION sessions_shared_with_viewer() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
                SET search_path = \(schema), pg_temp AS $$
                SELECT session_id FROM session_collaborators WHERE user_id = (SELECT auth.uid())::text
            $$;
            REVOKE ALL ON FUNCTION sessions_shared_with_viewer() FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION sessions_shared_with_viewer() TO authenticated;
            """
        },
    ]

    /// Creates the schema when `create` is set, then runs the migrations it lacks, under an
    /// advisory lock so that two processes opening a new database do not both migrate it. The lock is
    /// one for the whole database, not one per schema: the migrations also create what schemas share
    /// (the `auth` schema, `auth.uid()`), and two quires migrating two schemas at once raced on them.
    static func migrate(_ sql: PostgresSQL, schema: String, create: Bool, location: PostgresLocation) throws {
        let exists = try sql.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = $1", [.text(schema)]) == 1
        if !exists {
            guard create else {
                throw QuireError.internal("No quire database at \(location) (there is no schema \(schema)): run `quire init --admin EMAIL` first, or pass --db.")
            }
        }
        try sql.execute("BEGIN")
        do {
            try sql.query("SELECT pg_advisory_xact_lock(hashtext($1))", [.text("quire.migrate")])
            try sql.execute("CREATE SCHEMA IF NOT EXISTS \(schema)")
            try sql.execute("""
                CREATE TABLE IF NOT EXISTS \(schema).quire_migrations(
                    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """)
            let applied = Set(try sql.query("SELECT name FROM \(schema).quire_migrations").map { try PostgresSQL.string($0[0]) })
            let known = Set(migrations.map(\.name))
            if !applied.isSubset(of: known) {
                throw QuireError.internal("This database was written by a newer version of quire; upgrade quire to open it.")
            }
            for migration in migrations where !applied.contains(migration.name) {
                try sql.execute("SET LOCAL search_path TO \(schema)")
                try sql.execute(migration.sql(schema))
                try sql.query("INSERT INTO \(schema).quire_migrations(name) VALUES ($1)", [.text(migration.name)])
            }
            try sql.execute("COMMIT")
        } catch {
            try? sql.execute("ROLLBACK")
            throw error
        }
    }
}
