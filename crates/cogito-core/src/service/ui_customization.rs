//! Hosted-UI customisation (`SetUICustomization`, `GetUICustomization`): CSS and a logo per pool
//! (`ALL`) or per app client, a client falling back to the pool-wide one. cogito's template
//! overrides live in the same record and are preserved by `SetUICustomization`.

use super::Cogito;
use crate::error::{CoreError, CoreResult};
use crate::model::UiCustomization;
use crate::store::StoreError;

/// The wire name of the pool-wide customisation.
pub const ALL_CLIENTS: &str = "ALL";

/// Largest accepted logo (service model `ImageFileType`).
pub const MAX_IMAGE_BYTES: usize = 131_072;

/// Largest accepted CSS (service model `CSSType`).
pub const MAX_CSS_BYTES: usize = 131_072;

/// `ClientId` on the wire → the record's key: absent or `ALL` mean pool-wide.
pub fn client_key(client_id: Option<&str>) -> Option<&str> {
    client_id.filter(|c| !c.is_empty() && *c != ALL_CLIENTS)
}

/// The media type of a logo, from its magic bytes; only PNG and JPEG are accepted (an SVG
/// could carry script).
pub fn image_media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

fn validate(css: Option<&str>, image: Option<&[u8]>) -> CoreResult<()> {
    if let Some(css) = css {
        if css.len() > MAX_CSS_BYTES {
            return Err(CoreError::invalid("CSS is too large."));
        }
        // The CSS is embedded in a <style> element of the hosted pages: markup could close it.
        if css.contains('<') {
            return Err(CoreError::invalid(
                "CSS must not contain '<' (markup is not allowed in the style sheet).",
            ));
        }
    }
    if let Some(image) = image {
        if image.len() > MAX_IMAGE_BYTES {
            return Err(CoreError::invalid("ImageFile is too large."));
        }
        if image_media_type(image).is_none() {
            return Err(CoreError::invalid("ImageFile must be a PNG or JPEG image."));
        }
    }
    Ok(())
}

impl Cogito {
    async fn check_ui_target(&self, pool_id: &str, client_id: Option<&str>) -> CoreResult<()> {
        self.pool(pool_id).await?;
        if let Some(c) = client_id {
            self.pool_client(pool_id, c).await?;
        }
        Ok(())
    }

    /// The customisation stored for exactly this pool (`client_id` `None`) or client, without
    /// falling back; `None` when there is none.
    pub async fn stored_ui(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
    ) -> CoreResult<Option<UiCustomization>> {
        match self.store.get_ui_customization(pool_id, client_id).await {
            Ok(ui) => Ok(Some(ui)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(CoreError::from_store("get UI customization", e)),
        }
    }

    /// `SetUICustomization`: replaces CSS and logo of the pool (`client_id` `None`) or one
    /// client; template overrides already stored are kept.
    pub async fn set_ui_customization(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
        css: Option<String>,
        image: Option<Vec<u8>>,
    ) -> CoreResult<UiCustomization> {
        self.check_ui_target(pool_id, client_id).await?;
        validate(css.as_deref(), image.as_deref())?;
        self.store
            .set_ui_look(
                pool_id,
                client_id,
                css.as_deref(),
                image.as_deref(),
                self.clock.now_ms(),
            )
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::pool_not_found(pool_id),
                e => CoreError::from_store("put UI customization", e),
            })
    }

    /// `GetUICustomization`, and what the hosted UI applies: the client's own customisation,
    /// else the pool-wide one, else `None`.
    pub async fn ui_customization(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
    ) -> CoreResult<Option<UiCustomization>> {
        self.check_ui_target(pool_id, client_id).await?;
        if let Some(c) = client_id
            && let Some(ui) = self.stored_ui(pool_id, Some(c)).await?
        {
            return Ok(Some(ui));
        }
        self.stored_ui(pool_id, None).await
    }

    /// Where the hosted UI serves a customisation's logo.
    pub fn ui_logo_url(&self, ui: &UiCustomization) -> String {
        format!(
            "{}/_ui/{}/{}/logo",
            self.config.public_url.trim_end_matches('/'),
            ui.pool_id,
            ui.client_id.as_deref().unwrap_or(ALL_CLIENTS)
        )
    }
}
