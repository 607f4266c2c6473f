//! Hosted-UI customisation operations: `SetUICustomization`, `GetUICustomization`; the
//! `UICustomizationType` wire shape. `ClientId` absent or `ALL` means the pool-wide one.

use std::sync::Arc;

use base64::Engine as _;
use cogito_core::model::UiCustomization;
use cogito_core::service::Cogito;
use cogito_core::service::ui_customization::{ALL_CLIENTS, client_key};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::wire::{OpResult, decode, timestamp};
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UiInput {
    user_pool_id: String,
    client_id: Option<String>,
    #[serde(rename = "CSS")]
    css: Option<String>,
    image_file: Option<String>,
}

/// `UICustomizationType`.
fn ui_type(core: &Cogito, ui: &UiCustomization) -> Value {
    let mut out = Map::new();
    out.insert("UserPoolId".into(), json!(ui.pool_id));
    out.insert(
        "ClientId".into(),
        json!(ui.client_id.as_deref().unwrap_or(ALL_CLIENTS)),
    );
    if ui.image.is_some() {
        out.insert("ImageUrl".into(), json!(core.ui_logo_url(ui)));
    }
    if let Some(css) = &ui.css {
        out.insert("CSS".into(), json!(css));
        out.insert("CSSVersion".into(), json!(ui.modified_ms.to_string()));
    }
    // The record keeps one timestamp; it serves as both dates.
    out.insert("CreationDate".into(), timestamp(ui.modified_ms));
    out.insert("LastModifiedDate".into(), timestamp(ui.modified_ms));
    Value::Object(out)
}

/// `SetUICustomization`.
pub async fn set_ui_customization(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UiInput = decode(input)?;
    let image = i
        .image_file
        .as_deref()
        .map(|b| {
            base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
                .decode(b)
                .map_err(|_| ApiError::serialization("ImageFile is not valid base64"))
        })
        .transpose()?
        .filter(|b| !b.is_empty());
    let ui = core
        .set_ui_customization(
            &i.user_pool_id,
            client_key(i.client_id.as_deref()),
            i.css,
            image,
        )
        .await?;
    Ok(json!({ "UICustomization": ui_type(&core, &ui) }))
}

/// `GetUICustomization`: a client without its own customisation gets the pool-wide one; with
/// neither, only the pool and client ids.
pub async fn get_ui_customization(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UiInput = decode(input)?;
    let client = client_key(i.client_id.as_deref());
    let ui = core.ui_customization(&i.user_pool_id, client).await?;
    let out = match ui {
        Some(ui) => ui_type(&core, &ui),
        None => json!({
            "UserPoolId": i.user_pool_id,
            "ClientId": client.unwrap_or(ALL_CLIENTS),
        }),
    };
    Ok(json!({ "UICustomization": out }))
}
