//! `ListUsers` for PostgreSQL: one query per filter shape, each with an index whose leading
//! columns are the filter and whose trailing `(created_ms, sub)` give the page order
//! (`users_by_username`, `users_by_status`, `users_by_enabled`, `users_by_sub`,
//! `user_attributes_by_value`, `users_by_created` unfiltered; see `0001_init.sql`), so a page
//! never scans a whole pool: an equality filter reads exactly one page of index entries, a prefix
//! filter becomes an index range (`>= prefix AND < bound`, never `LIKE`) whose matches are sorted.
//! PostgreSQL has no `INDEXED BY`: the planner picks these indexes because each is the only one
//! that serves both the condition and the order; the columns are `COLLATE "C"`, so the range
//! bounds of `paging::prefix_upper_bound` (code-point order) are index bounds. The `pg_only`
//! contract tests check the plans with `EXPLAIN`. The query text is assembled only from constant
//! fragments; every value is bound.

use cogito_core::model::User;
use cogito_core::store::{FilterField, FilterOp, Page, StoreResult, UserFilter};
use sqlx::{Postgres, QueryBuilder};

use super::users::{user_columns, user_from_row};
use super::{PostgresStore, db_err, fetch_limit};
use crate::paging::{
    enabled_values, finish_page, normalise, page_size, parse_user_cursor, prefix_upper_bound,
    user_cursor,
};

/// Lists one page of users of a pool; see [`cogito_core::store::UserStore::list_users`].
pub(super) async fn list_users(
    store: &PostgresStore,
    pool_id: &str,
    filter: Option<&UserFilter>,
    cursor: Option<&str>,
    limit: u32,
) -> StoreResult<Page<User>> {
    let after = cursor.map(parse_user_cursor).transpose()?;
    let size = page_size(limit);
    let Some(mut query) = build_query("", pool_id, filter, after, size) else {
        return Ok(Page {
            items: Vec::new(),
            next: None,
        });
    };
    let rows = query.build().fetch_all(&store.pool).await.map_err(db_err)?;
    let users = rows
        .iter()
        .map(user_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(finish_page(users, size, |u| {
        user_cursor(u.created_ms, &u.sub)
    }))
}

/// How a column is compared with a filter value.
enum Match {
    /// `column = value`.
    Equals(String),
    /// `column >= low [AND column < high]`: the rows starting with `low`.
    Range(String, Option<String>),
}

impl Match {
    fn new(op: FilterOp, value: String) -> Self {
        match op {
            FilterOp::Equals => Self::Equals(value),
            FilterOp::Prefix => {
                let high = prefix_upper_bound(&value);
                Self::Range(value, high)
            }
        }
    }

    fn push(self, query: &mut QueryBuilder<Postgres>, column: &'static str) {
        match self {
            Self::Equals(value) => {
                query
                    .push(format_args!(" AND {column} = "))
                    .push_bind(value);
            }
            Self::Range(low, high) => {
                query.push(format_args!(" AND {column} >= ")).push_bind(low);
                if let Some(high) = high {
                    query.push(format_args!(" AND {column} < ")).push_bind(high);
                }
            }
        }
    }
}

/// What a filter on the `users` table becomes.
enum Condition {
    /// A comparison on a column.
    Column(&'static str, Match),
    /// `enabled = value`.
    Enabled(bool),
}

/// Builds the page query (`prefix` is prepended, e.g. `EXPLAIN `); `None` when the filter cannot
/// match any user.
fn build_query(
    prefix: &str,
    pool_id: &str,
    filter: Option<&UserFilter>,
    after: Option<(i64, String)>,
    size: u32,
) -> Option<QueryBuilder<Postgres>> {
    let mut query = QueryBuilder::new(prefix);
    query.push(concat!("SELECT ", user_columns!()));
    // `order` is the alias whose (created_ms, sub) orders the page and carries the cursor.
    let by_attribute = matches!(
        filter,
        Some(UserFilter {
            field: FilterField::Attribute(_),
            ..
        })
    );
    let order = if let Some(UserFilter {
        field: FilterField::Attribute(name),
        op,
        value,
    }) = filter
    {
        // The page of index entries first (a subquery with LIMIT is never flattened), then one
        // primary-key lookup per entry: joined before the LIMIT, a small pool would be hashed
        // whole instead.
        query
            .push(
                " FROM (SELECT a.pool_id, a.sub, a.created_ms FROM user_attributes a \
                 WHERE a.pool_id = ",
            )
            .push_bind(pool_id.to_owned())
            .push(" AND a.name = ")
            .push_bind(name.clone());
        Match::new(*op, normalise(value)).push(&mut query, "a.value_norm");
        "a"
    } else {
        let condition = match filter {
            None => None,
            Some(filter) => user_column_condition(filter)?,
        };
        query
            .push(" FROM users u WHERE u.pool_id = ")
            .push_bind(pool_id.to_owned());
        match condition {
            Some(Condition::Column(column, m)) => m.push(&mut query, column),
            Some(Condition::Enabled(value)) => {
                query.push(" AND u.enabled = ").push_bind(value);
            }
            None => {}
        }
        "u"
    };
    if let Some((created_ms, sub)) = after {
        query
            .push(format_args!(" AND ({order}.created_ms, {order}.sub) > ("))
            .push_bind(created_ms)
            .push(", ")
            .push_bind(sub)
            .push(")");
    }
    query
        .push(format_args!(
            " ORDER BY {order}.created_ms, {order}.sub LIMIT "
        ))
        .push_bind(fetch_limit(size));
    if by_attribute {
        query.push(
            ") a JOIN users u ON u.pool_id = a.pool_id AND u.sub = a.sub \
             ORDER BY a.created_ms, a.sub",
        );
    }
    Some(query)
}

/// The condition of a filter on a `users` column (`None` inside: no condition); `None` when it
/// cannot match.
fn user_column_condition(filter: &UserFilter) -> Option<Option<Condition>> {
    let (column, value) = match &filter.field {
        FilterField::Username => ("u.username_norm", normalise(&filter.value)),
        FilterField::Status => ("u.status", filter.value.to_uppercase()),
        FilterField::Sub => ("u.sub", filter.value.clone()),
        FilterField::Enabled => {
            return match enabled_values(filter.op, &filter.value).as_slice() {
                [] => None,
                [one] => Some(Some(Condition::Enabled(*one))),
                _ => Some(None), // both values: no condition
            };
        }
        // Served by the attribute index; `build_query` never asks.
        FilterField::Attribute(_) => return Some(None),
    };
    Some(Some(Condition::Column(
        column,
        Match::new(filter.op, value),
    )))
}

/// The plan PostgreSQL chooses for a page query (`EXPLAIN`, one line per plan node), for the
/// index tests; `None` when the filter cannot match.
pub(super) async fn explain(
    store: &PostgresStore,
    pool_id: &str,
    filter: Option<&UserFilter>,
    after: Option<(i64, String)>,
) -> StoreResult<Option<String>> {
    let Some(mut query) = build_query("EXPLAIN ", pool_id, filter, after, 10) else {
        return Ok(None);
    };
    let lines: Vec<(String,)> = query
        .build_query_as()
        .fetch_all(&store.pool)
        .await
        .map_err(db_err)?;
    Ok(Some(
        lines
            .into_iter()
            .map(|(l,)| l)
            .collect::<Vec<_>>()
            .join("\n"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_enabled_filter_builds_no_query() {
        let f = UserFilter {
            field: FilterField::Enabled,
            op: FilterOp::Equals,
            value: "maybe".into(),
        };
        assert!(build_query("", "p", Some(&f), None, 10).is_none());
    }
}
