//! UI customisation (`ui_customizations`): one row per pool (`client_id = ''`, `ALL` on the wire)
//! and per client, replaced as a whole on every write. The logo is a BLOB, the template overrides
//! a JSON object.

use std::collections::BTreeMap;

use cogito_core::model::UiCustomization;
use cogito_core::store::{StoreError, StoreResult};
use sqlx::Row;

use crate::sqlite::{SqliteStore, commit, db_err, from_json, to_json};

/// The `client_id` column of the pool-wide customisation. Client ids are never empty.
const POOL_WIDE: &str = "";

/// Inserts or replaces. `NotFound` if the pool, or the named client of that pool, is missing:
/// checked under the write lock so that no row outlives its client (see `delete_client`).
pub(super) async fn put_ui_customization(
    store: &SqliteStore,
    ui: &UiCustomization,
) -> StoreResult<()> {
    let look = Look {
        pool_id: &ui.pool_id,
        client_id: ui.client_id.as_deref(),
        css: ui.css.as_deref(),
        image: ui.image.as_deref(),
        modified_ms: ui.modified_ms,
    };
    upsert(store, &look, Some(to_json(&ui.templates)?)).await?;
    Ok(())
}

/// `SetUICustomization`: CSS and logo only, in one statement; template overrides stay.
pub(super) async fn set_ui_look(
    store: &SqliteStore,
    look: &Look<'_>,
) -> StoreResult<UiCustomization> {
    let templates = upsert(store, look, None).await?;
    Ok(UiCustomization {
        pool_id: look.pool_id.to_owned(),
        client_id: look.client_id.map(str::to_owned),
        css: look.css.map(str::to_owned),
        image: look.image.map(<[u8]>::to_vec),
        templates: from_json::<BTreeMap<String, String>>(&templates)?,
        modified_ms: look.modified_ms,
    })
}

/// The CSS and logo of one customisation row.
pub(super) struct Look<'a> {
    pub pool_id: &'a str,
    pub client_id: Option<&'a str>,
    pub css: Option<&'a str>,
    pub image: Option<&'a [u8]>,
    pub modified_ms: i64,
}

/// Inserts or updates a row with `look`, and the template overrides when given (else those
/// stored stay, `{}` for a new row); returns the templates as written.
async fn upsert(
    store: &SqliteStore,
    look: &Look<'_>,
    templates: Option<String>,
) -> StoreResult<String> {
    let mut tx = store.write_tx().await?;
    if let Some(client_id) = look.client_id {
        sqlx::query_scalar::<_, i64>("SELECT 1 FROM clients WHERE client_id = ?1 AND pool_id = ?2")
            .bind(client_id)
            .bind(look.pool_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
    }
    let written: String = sqlx::query_scalar(
        "INSERT INTO ui_customizations (pool_id, client_id, css, image, templates, modified_ms) \
         VALUES (?1, ?2, ?3, ?4, COALESCE(?5, '{}'), ?6) \
         ON CONFLICT (pool_id, client_id) DO UPDATE SET css = excluded.css, \
         image = excluded.image, \
         templates = COALESCE(?5, ui_customizations.templates), \
         modified_ms = excluded.modified_ms RETURNING templates",
    )
    .bind(look.pool_id)
    .bind(look.client_id.unwrap_or(POOL_WIDE))
    .bind(look.css)
    .bind(look.image)
    .bind(templates)
    .bind(look.modified_ms)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err)?;
    commit(tx).await?;
    Ok(written)
}

/// The customisation of exactly this pool or client: a client without its own row is
/// `NotFound` (falling back to the pool-wide one is the caller's decision).
pub(super) async fn get_ui_customization(
    store: &SqliteStore,
    pool_id: &str,
    client_id: Option<&str>,
) -> StoreResult<UiCustomization> {
    let row = sqlx::query(
        "SELECT css, image, templates, modified_ms FROM ui_customizations \
         WHERE pool_id = ?1 AND client_id = ?2",
    )
    .bind(pool_id)
    .bind(client_id.unwrap_or(POOL_WIDE))
    .fetch_optional(&store.pool)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    Ok(UiCustomization {
        pool_id: pool_id.to_owned(),
        client_id: client_id.map(str::to_owned),
        css: row.try_get("css").map_err(db_err)?,
        image: row.try_get("image").map_err(db_err)?,
        templates: from_json::<BTreeMap<String, String>>(
            &row.try_get::<String, _>("templates").map_err(db_err)?,
        )?,
        modified_ms: row.try_get("modified_ms").map_err(db_err)?,
    })
}
