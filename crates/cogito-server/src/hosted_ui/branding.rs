//! Where a page's customisation comes from. Layers, most specific first:
//!
//! 1. `<ui_dir>/<poolId>/<clientId>/` (files of the operator, client level),
//! 2. the client's stored customisation (`SetUICustomization` with a `ClientId`),
//! 3. `<ui_dir>/<poolId>/` (files, pool level),
//! 4. the pool's stored customisation (`ClientId` `ALL`),
//! 5. the built-in templates and style sheet.
//!
//! A template or logo comes from the most specific layer that has one. Style sheets cascade:
//! every layer's CSS is served, least specific first, so a client's rules override the pool's.
//! Ids are checked before they become path segments, and template names are plain file names.

use std::path::{Path, PathBuf};

use cogito_core::model::UiCustomization;
use cogito_core::service::ui_customization::image_media_type;

use crate::AppState;

/// File name of a layer's extra CSS.
pub const CSS_FILE: &str = "custom.css";
/// File names tried for a layer's logo.
const LOGO_FILES: &[&str] = &["logo.png", "logo.jpg", "logo.jpeg"];
/// Largest customisation file read from disk.
const MAX_FILE_BYTES: u64 = 512 * 1024;

/// One source of customisation.
#[derive(Debug, Clone)]
enum Layer {
    Dir(PathBuf),
    Stored(Box<UiCustomization>),
}

/// The customisation that applies to one pool (and client).
#[derive(Debug, Clone, Default)]
pub struct Branding {
    layers: Vec<Layer>,
}

/// Whether an id may become a path segment.
pub fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether a template or message-file name is a plain file name (`login.html`,
/// `messages.fr.txt`): no directories, no dot files.
pub fn safe_file_name(name: &str) -> bool {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok_chars
        && !name.starts_with('.')
        && !name.contains("..")
        && name.len() <= 100
        && (name.ends_with(".html") || name.ends_with(".txt"))
}

fn read_small(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
        return None;
    }
    std::fs::read(path).ok()
}

fn read_text(path: &Path) -> Option<String> {
    String::from_utf8(read_small(path)?).ok()
}

async fn stored(state: &AppState, pool_id: &str, client_id: Option<&str>) -> Option<Layer> {
    match state.core.stored_ui(pool_id, client_id).await {
        Ok(ui) => ui.map(|ui| Layer::Stored(Box::new(ui))),
        Err(e) => {
            tracing::warn!(error = %e, "UI customisation lookup failed");
            None
        }
    }
}

impl Branding {
    /// The layers of a pool and (verified) client: files and stored customisations.
    pub async fn load(state: &AppState, pool_id: &str, client_id: Option<&str>) -> Self {
        let pool_dir = Self::pool_dir(state, pool_id);
        let mut layers = Vec::new();
        if let Some(client) = client_id {
            if let Some(dir) = pool_dir.as_ref().filter(|_| safe_id(client)) {
                layers.push(Layer::Dir(dir.join(client)));
            }
            layers.extend(stored(state, pool_id, Some(client)).await);
        }
        layers.extend(pool_dir.map(Layer::Dir));
        layers.extend(stored(state, pool_id, None).await);
        Self { layers }
    }

    /// The file layers of a pool only (for pages rendered without the store).
    pub fn files_only(state: &AppState, pool_id: &str) -> Self {
        Self {
            layers: Self::pool_dir(state, pool_id)
                .map(Layer::Dir)
                .into_iter()
                .collect(),
        }
    }

    fn pool_dir(state: &AppState, pool_id: &str) -> Option<PathBuf> {
        let dir = state.config.ui_dir.as_ref()?;
        safe_id(pool_id).then(|| dir.join(pool_id))
    }

    /// A template (or message file) override from the most specific layer that has one.
    pub fn template(&self, name: &str) -> Option<String> {
        if !safe_file_name(name) {
            return None;
        }
        self.layers.iter().find_map(|layer| match layer {
            Layer::Dir(dir) => read_text(&dir.join(name)),
            Layer::Stored(ui) => ui.templates.get(name).cloned(),
        })
    }

    /// Every layer's `messages.<lang>.txt`, least specific first.
    pub fn messages(&self, lang: &str) -> Vec<String> {
        let name = format!("messages.{lang}.txt");
        if !safe_file_name(&name) {
            return Vec::new();
        }
        self.layers
            .iter()
            .rev()
            .filter_map(|layer| match layer {
                Layer::Dir(dir) => read_text(&dir.join(&name)),
                Layer::Stored(ui) => ui.templates.get(&name).cloned(),
            })
            .collect()
    }

    /// Whether some layer provides texts for `lang`.
    pub fn has_messages(&self, lang: &str) -> bool {
        !self.messages(lang).is_empty()
    }

    /// The extra CSS of every layer, least specific first (empty when none).
    pub fn css(&self) -> String {
        let mut out = String::new();
        for layer in self.layers.iter().rev() {
            let css = match layer {
                Layer::Dir(dir) => read_text(&dir.join(CSS_FILE)),
                Layer::Stored(ui) => ui.css.clone(),
            };
            if let Some(css) = css.filter(|c| !c.trim().is_empty()) {
                out.push_str(&css);
                out.push('\n');
            }
        }
        out
    }

    /// The logo of the most specific layer that has one, with its media type.
    pub fn logo(&self) -> Option<(Vec<u8>, &'static str)> {
        self.layers.iter().find_map(|layer| match layer {
            Layer::Dir(dir) => LOGO_FILES.iter().find_map(|f| {
                let bytes = read_small(&dir.join(f))?;
                let media = image_media_type(&bytes)?;
                Some((bytes, media))
            }),
            Layer::Stored(ui) => {
                let bytes = ui.image.clone()?;
                let media = image_media_type(&bytes)?;
                Some((bytes, media))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_cannot_escape_the_directory() {
        assert!(safe_id("us-east-1_AbC123"));
        assert!(!safe_id("../etc"));
        assert!(!safe_id("a/b"));
        assert!(!safe_id(""));
        assert!(safe_file_name("login.html"));
        assert!(safe_file_name("messages.fr.txt"));
        assert!(!safe_file_name("../login.html"));
        assert!(!safe_file_name("a/login.html"));
        assert!(!safe_file_name(".hidden.html"));
        assert!(!safe_file_name("logo.png"));
    }

    #[test]
    fn css_cascades_and_templates_take_the_most_specific_layer() {
        let dir = std::env::temp_dir().join(format!("cogito-branding-{}", std::process::id()));
        let client_dir = dir.join("c1");
        std::fs::create_dir_all(&client_dir).unwrap();
        std::fs::write(dir.join(CSS_FILE), "pool-file{}").unwrap();
        std::fs::write(client_dir.join("login.html"), "client file").unwrap();
        let mut pool_ui = UiCustomization {
            css: Some("pool-api{}".into()),
            ..UiCustomization::default()
        };
        pool_ui
            .templates
            .insert("login.html".into(), "pool api".into());
        pool_ui
            .templates
            .insert("signup.html".into(), "pool api signup".into());
        let b = Branding {
            layers: vec![
                Layer::Dir(client_dir.clone()),
                Layer::Dir(dir.clone()),
                Layer::Stored(Box::new(pool_ui)),
            ],
        };
        assert_eq!(b.template("login.html").as_deref(), Some("client file"));
        assert_eq!(
            b.template("signup.html").as_deref(),
            Some("pool api signup")
        );
        assert_eq!(b.template("error.html"), None);
        assert_eq!(b.css(), "pool-api{}\npool-file{}\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
