//! The stored shape of a resource server (`resource_servers.record`).

use cogito_core::model::ResourceServer;
use cogito_core::model::oauth::ResourceServerScope;
use serde::{Deserialize, Serialize};

use super::Record;

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredResourceServer {
    pool_id: String,
    identifier: String,
    name: String,
    scopes: Vec<StoredScope>,
}

#[derive(Serialize, Deserialize)]
struct StoredScope {
    name: String,
    description: String,
}

impl Record for ResourceServer {
    type Stored = StoredResourceServer;

    fn to_stored(&self) -> StoredResourceServer {
        StoredResourceServer {
            pool_id: self.pool_id.clone(),
            identifier: self.identifier.clone(),
            name: self.name.clone(),
            scopes: self
                .scopes
                .iter()
                .map(|s| StoredScope {
                    name: s.name.clone(),
                    description: s.description.clone(),
                })
                .collect(),
        }
    }

    fn from_stored(s: StoredResourceServer) -> ResourceServer {
        ResourceServer {
            pool_id: s.pool_id,
            identifier: s.identifier,
            name: s.name,
            scopes: s
                .scopes
                .into_iter()
                .map(|s| ResourceServerScope {
                    name: s.name,
                    description: s.description,
                })
                .collect(),
        }
    }
}
