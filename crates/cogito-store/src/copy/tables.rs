//! The tables of an installation, in foreign-key order, with the columns [`super`] copies and
//! the backend-neutral type of each. This list is the single statement of what an installation
//! is: `copy_installation` checks it against the catalogue of both databases before it copies a
//! row, so a migration that adds a table or a column without a line here makes every copy (and
//! the schema tests) fail instead of silently leaving data behind.

/// The backend-neutral type of a column and what it is on each backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    /// SQLite `TEXT`, PostgreSQL `text`.
    Text,
    /// SQLite `INTEGER`, PostgreSQL `bigint`.
    Int,
    /// SQLite `INTEGER` holding 0 / 1, PostgreSQL `boolean`.
    Bool,
    /// SQLite `BLOB`, PostgreSQL `bytea`.
    Bytes,
}

/// One copied column.
#[derive(Debug)]
pub(crate) struct Column {
    pub name: &'static str,
    pub ty: Type,
    pub nullable: bool,
}

/// The order rows are read and written in.
#[derive(Debug)]
pub(crate) enum Order {
    /// By these key columns (the primary key).
    Key(&'static [&'static str]),
    /// Insertion order (SQLite's rowid, PostgreSQL's `seq` identity), which breaks ties of
    /// `created_ms` in reads. [`INSERTION_COLUMN`] is not copied: the destination numbers the
    /// rows afresh, in the same order.
    Insertion,
}

/// The insertion-order column of [`Order::Insertion`] tables (absent from SQLite's
/// `signing_keys`, where the rowid plays its part).
pub(crate) const INSERTION_COLUMN: &str = "seq";

/// One copied table.
#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub order: Order,
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        ty: Type::Text,
        nullable: false,
    }
}
const fn text_null(name: &'static str) -> Column {
    Column {
        name,
        ty: Type::Text,
        nullable: true,
    }
}
const fn int(name: &'static str) -> Column {
    Column {
        name,
        ty: Type::Int,
        nullable: false,
    }
}
const fn int_null(name: &'static str) -> Column {
    Column {
        name,
        ty: Type::Int,
        nullable: true,
    }
}
const fn boolean(name: &'static str) -> Column {
    Column {
        name,
        ty: Type::Bool,
        nullable: false,
    }
}

/// Tables that triggers maintain from the copied ones (configuration versions for
/// multi-instance caches): known to the schema check, but neither copied nor required to be empty
/// in the destination, whose triggers rebuild them as the rows arrive.
pub(crate) const DERIVED: &[&str] = &["config_clock", "config_versions"];

/// Every table, parents before children.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "pools",
        columns: &[text("id"), text("record"), int("revision")],
        order: Order::Key(&["id"]),
    },
    Table {
        name: "clients",
        columns: &[
            text("client_id"),
            text("pool_id"),
            text("record"),
            int("revision"),
        ],
        order: Order::Key(&["client_id"]),
    },
    Table {
        name: "users",
        columns: &[
            text("pool_id"),
            text("sub"),
            text("username"),
            text("username_norm"),
            text("status"),
            boolean("enabled"),
            text_null("password_hash"),
            int("password_set_ms"),
            text("password_history"),
            text("attributes"),
            int("created_ms"),
            int("modified_ms"),
            int("failed_attempts"),
            int("locked_until_ms"),
            int("last_failure_ms"),
            text_null("srp_verifier"),
            boolean("mfa_sms"),
            boolean("mfa_totp"),
            boolean("mfa_email"),
            text_null("mfa_preferred"),
            text_null("totp_secret"),
            text_null("totp_pending"),
            int_null("totp_last_step"),
        ],
        order: Order::Key(&["pool_id", "sub"]),
    },
    Table {
        name: "login_keys",
        columns: &[text("pool_id"), text("kind"), text("value"), text("sub")],
        order: Order::Key(&["pool_id", "kind", "value"]),
    },
    Table {
        name: "user_attributes",
        columns: &[
            text("pool_id"),
            text("sub"),
            text("name"),
            text("value_norm"),
            int("created_ms"),
        ],
        order: Order::Key(&["pool_id", "sub", "name"]),
    },
    Table {
        name: "groups",
        columns: &[
            text("pool_id"),
            text("name"),
            text_null("description"),
            int_null("precedence"),
            text_null("role_arn"),
            int("created_ms"),
            int("modified_ms"),
        ],
        order: Order::Key(&["pool_id", "name"]),
    },
    Table {
        name: "group_members",
        columns: &[text("pool_id"), text("group_name"), text("sub")],
        order: Order::Key(&["pool_id", "group_name", "sub"]),
    },
    Table {
        name: "codes",
        columns: &[
            text("pool_id"),
            text("sub"),
            text("purpose"),
            text("code_hash"),
            int("expires_ms"),
            int("attempts"),
            text_null("destination_attribute"),
        ],
        order: Order::Key(&["pool_id", "sub", "purpose"]),
    },
    Table {
        name: "auth_sessions",
        columns: &[
            text("id_hash"),
            text("pool_id"),
            text("client_id"),
            text_null("user_sub"),
            text("challenge"),
            int("expires_ms"),
            text_null("state"),
            int("attempts"),
        ],
        order: Order::Key(&["id_hash"]),
    },
    Table {
        name: "used_nonces",
        columns: &[text("id_hash"), int("expires_ms")],
        order: Order::Key(&["id_hash"]),
    },
    Table {
        name: "refresh_sessions",
        columns: &[
            text("origin_jti"),
            text("token_hash"),
            text("pool_id"),
            text("client_id"),
            text("user_sub"),
            int("auth_time"),
            int("created_ms"),
            int("expires_ms"),
            int_null("revoked_ms"),
            text_null("scope"),
            text_null("device_key"),
        ],
        order: Order::Key(&["origin_jti"]),
    },
    Table {
        name: "devices",
        columns: &[
            text("pool_id"),
            text("device_key"),
            text("user_sub"),
            text("group_key"),
            text_null("verifier"),
            text_null("name"),
            boolean("remembered"),
            int("created_ms"),
            int("modified_ms"),
            int("last_auth_ms"),
        ],
        order: Order::Key(&["pool_id", "device_key"]),
    },
    Table {
        name: "rotated_refresh_tokens",
        columns: &[text("token_hash"), text("origin_jti"), int("rotated_ms")],
        order: Order::Key(&["token_hash"]),
    },
    Table {
        name: "signing_keys",
        columns: &[
            text("pool_id"),
            text("kid"),
            text("purpose"),
            Column {
                name: "encrypted_private_key",
                ty: Type::Bytes,
                nullable: false,
            },
            int("created_ms"),
            int_null("retired_until_ms"),
        ],
        // Keys of a pool are listed by (created_ms, insertion order): keep the order.
        order: Order::Insertion,
    },
    Table {
        name: "settings",
        columns: &[text("name"), text("value")],
        order: Order::Key(&["name"]),
    },
    Table {
        name: "outbox",
        columns: &[
            text("id"),
            text("pool_id"),
            text("username"),
            text("medium"),
            text("destination"),
            text("subject"),
            text("body"),
            text_null("code"),
            text("purpose"),
            int("created_ms"),
            text("delivery"),
            int("attempts"),
            int("next_attempt_ms"),
            text_null("last_error"),
        ],
        order: Order::Insertion,
    },
    Table {
        name: "domains",
        columns: &[
            text("domain"),
            text("pool_id"),
            boolean("custom"),
            int("managed_login_version"),
            int("created_ms"),
        ],
        order: Order::Key(&["domain"]),
    },
    Table {
        name: "resource_servers",
        columns: &[text("pool_id"), text("identifier"), text("record")],
        order: Order::Key(&["pool_id", "identifier"]),
    },
    Table {
        name: "authorization_codes",
        columns: &[
            text("code_hash"),
            text("pool_id"),
            text("client_id"),
            text("user_sub"),
            text("redirect_uri"),
            text("scope"),
            text_null("nonce"),
            text_null("code_challenge"),
            int("auth_time"),
            int("expires_ms"),
            int_null("used_ms"),
            text_null("issued_origin_jti"),
        ],
        order: Order::Key(&["code_hash"]),
    },
    Table {
        name: "hosted_sessions",
        columns: &[
            text("id_hash"),
            text("pool_id"),
            text("user_sub"),
            int("auth_time"),
            int("expires_ms"),
        ],
        order: Order::Key(&["id_hash"]),
    },
    Table {
        name: "ui_customizations",
        columns: &[
            text("pool_id"),
            text("client_id"),
            text_null("css"),
            Column {
                name: "image",
                ty: Type::Bytes,
                nullable: true,
            },
            text("templates"),
            int("modified_ms"),
        ],
        order: Order::Key(&["pool_id", "client_id"]),
    },
    Table {
        name: "event_counters",
        columns: &[text("key"), int("window_start_ms"), int("count")],
        order: Order::Key(&["key", "window_start_ms"]),
    },
    Table {
        name: "unknown_login_failures",
        columns: &[
            text("pool_id"),
            text("name_hash"),
            int("failed_attempts"),
            int("locked_until_ms"),
            int("last_failure_ms"),
        ],
        order: Order::Key(&["pool_id", "name_hash"]),
    },
    Table {
        name: "import_jobs",
        columns: &[
            text("job_id"),
            text("pool_id"),
            text("name"),
            text("role_arn"),
            text_null("hashing"),
            text("status"),
            text("upload_token"),
            Column {
                name: "file",
                ty: Type::Bytes,
                nullable: true,
            },
            int("created_ms"),
            int_null("started_ms"),
            int_null("completed_ms"),
            int("imported"),
            int("skipped"),
            int("failed"),
            text_null("message"),
            int("updated_ms"),
        ],
        order: Order::Key(&["job_id"]),
    },
];
