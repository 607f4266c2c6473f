//! `ListUsers` for SQLite: one query per filter shape, each forced onto an index whose leading
//! columns are the filter and whose trailing `(created_ms, sub)` give the page order, so a page
//! never scans a whole pool: an equality filter reads exactly one page of index entries, a prefix
//! filter becomes an index range (`>= prefix AND < bound`, never `LIKE`) whose matches are sorted.
//! The query text is assembled only from constant fragments; every value is bound.

use cogito_core::model::User;
use cogito_core::store::{FilterField, FilterOp, Page, StoreResult, UserFilter};
use sqlx::{QueryBuilder, Sqlite};

use super::users::{user_columns, user_from_row};
use super::{SqliteStore, db_err, fetch_limit};
use crate::paging::{
    enabled_values, finish_page, normalise, page_size, parse_user_cursor, prefix_upper_bound,
    user_cursor,
};

/// Lists one page of users of a pool; see [`cogito_core::store::UserStore::list_users`].
pub(super) async fn list_users(
    store: &SqliteStore,
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

    fn push(self, query: &mut QueryBuilder<Sqlite>, column: &'static str) {
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

/// Builds the page query (`prefix` is prepended, e.g. `EXPLAIN QUERY PLAN `); `None` when the
/// filter cannot match any user.
///
/// Each shape names its index with `INDEXED BY`: left to itself, the planner may prefer the
/// index that yields the page order and filter row by row, which is a scan of the pool.
fn build_query(
    prefix: &str,
    pool_id: &str,
    filter: Option<&UserFilter>,
    after: Option<(i64, String)>,
    size: u32,
) -> Option<QueryBuilder<Sqlite>> {
    let mut query = QueryBuilder::new(prefix);
    query.push(concat!("SELECT ", user_columns!()));
    // `order` is the alias whose (created_ms, sub) orders the page and carries the cursor.
    let order = if let Some(UserFilter {
        field: FilterField::Attribute(name),
        op,
        value,
    }) = filter
    {
        // CROSS JOIN keeps the attribute index as the outer loop.
        query
            .push(
                " FROM user_attributes a INDEXED BY user_attributes_by_value \
                 CROSS JOIN users u INDEXED BY users_by_sub \
                 ON u.pool_id = a.pool_id AND u.sub = a.sub WHERE a.pool_id = ",
            )
            .push_bind(pool_id.to_owned())
            .push(" AND a.name = ")
            .push_bind(name.clone());
        Match::new(*op, normalise(value)).push(&mut query, "a.value_norm");
        "a"
    } else {
        let (index, condition) = match filter {
            None => ("users_by_created", None),
            Some(filter) => user_column_condition(filter)?,
        };
        query
            .push(format_args!(
                " FROM users u INDEXED BY {index} WHERE u.pool_id = "
            ))
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
    Some(query)
}

/// The index and condition of a filter on a `users` column; `None` when it cannot match.
fn user_column_condition(filter: &UserFilter) -> Option<(&'static str, Option<Condition>)> {
    let (index, column, value) = match &filter.field {
        FilterField::Username => (
            "users_by_username",
            "u.username_norm",
            normalise(&filter.value),
        ),
        FilterField::Status => ("users_by_status", "u.status", filter.value.to_uppercase()),
        FilterField::Sub => ("users_by_sub", "u.sub", filter.value.clone()),
        FilterField::Enabled => {
            return match enabled_values(filter.op, &filter.value).as_slice() {
                [] => None,
                [one] => Some(("users_by_enabled", Some(Condition::Enabled(*one)))),
                _ => Some(("users_by_created", None)), // both values: no condition
            };
        }
        // Served by the attribute index; `build_query` never asks.
        FilterField::Attribute(_) => return Some(("users_by_created", None)),
    };
    Some((
        index,
        Some(Condition::Column(column, Match::new(filter.op, value))),
    ))
}

/// The plan SQLite chooses for a page query (`EXPLAIN QUERY PLAN`, one line per plan step), for
/// benchmarks and diagnostics; `None` when the filter cannot match.
pub(super) async fn explain(
    store: &SqliteStore,
    pool_id: &str,
    filter: Option<&UserFilter>,
) -> StoreResult<Option<String>> {
    let Some(mut query) = build_query("EXPLAIN QUERY PLAN ", pool_id, filter, None, 10) else {
        return Ok(None);
    };
    let rows: Vec<(i64, i64, i64, String)> = query
        .build_query_as()
        .fetch_all(&store.pool)
        .await
        .map_err(db_err)?;
    Ok(Some(
        rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(field: FilterField, op: FilterOp, value: &str) -> UserFilter {
        UserFilter {
            field,
            op,
            value: value.to_owned(),
        }
    }

    async fn plan(store: &SqliteStore, filter: Option<&UserFilter>, after: bool) -> String {
        let after = after.then(|| (5, "s".to_owned()));
        let mut query = build_query("EXPLAIN QUERY PLAN ", "p", filter, after, 10).unwrap();
        let rows: Vec<(i64, i64, i64, String)> =
            query.build_query_as().fetch_all(&store.pool).await.unwrap();
        rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
    }

    /// Every filter shape is answered by an index search, never by a scan of `users`.
    #[tokio::test]
    async fn every_filter_is_index_served() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_path(&dir.path().join("plan.db"))
            .await
            .unwrap();
        let mut filters = vec![None];
        for op in [FilterOp::Equals, FilterOp::Prefix] {
            for (field, value) in [
                (FilterField::Username, "al"),
                (FilterField::Status, "CONF"),
                (FilterField::Enabled, "true"),
                (FilterField::Sub, "ab"),
                (FilterField::Attribute("email".into()), "al"),
            ] {
                filters.push(Some(filter(field, op, value)));
            }
        }
        for f in &filters {
            let expected = match f.as_ref().map(|f| &f.field) {
                None => "users_by_created",
                Some(FilterField::Username) => "users_by_username",
                Some(FilterField::Status) => "users_by_status",
                Some(FilterField::Enabled) => "users_by_enabled",
                Some(FilterField::Sub) => "users_by_sub",
                Some(FilterField::Attribute(_)) => "user_attributes_by_value",
            };
            for after in [false, true] {
                let plan = plan(&store, f.as_ref(), after).await;
                assert!(!plan.contains("SCAN"), "{f:?} after={after} scans:\n{plan}");
                let first = plan.lines().next().unwrap_or_default();
                assert!(first.starts_with("SEARCH"), "{f:?} after={after}:\n{plan}");
                assert!(
                    first.contains(expected),
                    "{f:?} after={after} not by {expected}:\n{plan}"
                );
            }
        }
        let attr = filter(
            FilterField::Attribute("email".into()),
            FilterOp::Equals,
            "x",
        );
        let plan = plan(&store, Some(&attr), true).await;
        assert!(plan.contains("user_attributes_by_value"), "{plan}");
        assert!(
            !plan.contains("TEMP B-TREE"),
            "equality pages need no sort:\n{plan}"
        );
    }

    #[test]
    fn impossible_enabled_filter_builds_no_query() {
        let f = filter(FilterField::Enabled, FilterOp::Equals, "maybe");
        assert!(build_query("", "p", Some(&f), None, 10).is_none());
    }
}
