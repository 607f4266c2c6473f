//! The pre-resolved shape tree used by validation.
//!
//! Shapes are stored in an arena (`Vec<Node>`) and refer to each other by index, so recursive
//! shapes are representable and a lookup never goes through a name. Everything validation
//! needs per request — lower-camel member names, constraint bounds, shared compiled patterns,
//! whether a value may be echoed — is computed once when the model is loaded.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use crate::ModelError;
use crate::lower_camel;
use crate::pattern::Pattern;
use crate::raw::RawShape;

/// Index of a shape in [`ShapeArena::nodes`].
pub(crate) type ShapeId = usize;

/// Inclusive bounds from a `min` / `max` trait.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Bounds {
    pub(crate) min: Option<i64>,
    pub(crate) max: Option<i64>,
}

impl Bounds {
    pub(crate) fn is_empty(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }
}

/// One member of a structure.
#[derive(Debug)]
pub(crate) struct Member {
    /// Wire name (`UserPoolId`).
    pub(crate) name: String,
    /// Name used in validation messages (`userPoolId`).
    pub(crate) path_name: String,
    pub(crate) shape: ShapeId,
    pub(crate) required: bool,
}

/// Scalar and aggregate kinds with their constraints.
#[derive(Debug)]
pub(crate) enum Kind {
    Structure {
        members: Vec<Member>,
    },
    /// A Smithy document: any JSON value.
    Document,
    List {
        member: ShapeId,
        length: Bounds,
    },
    Map {
        key: ShapeId,
        value: ShapeId,
        length: Bounds,
    },
    String {
        length: Bounds,
        pattern: Option<Arc<Pattern>>,
        enum_values: Option<Vec<String>>,
    },
    Integer {
        range: Bounds,
    },
    Long {
        range: Bounds,
    },
    Float,
    Double,
    Boolean,
    Blob {
        length: Bounds,
    },
    Timestamp,
}

/// One resolved shape.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    /// The shape itself carries `"sensitive": true`.
    pub(crate) sensitive: bool,
    /// The shape or anything reachable from it is sensitive: its value is never echoed.
    pub(crate) contains_sensitive: bool,
    /// An error shape (`"exception": true`).
    pub(crate) exception: bool,
    /// A server-side error (`"fault": true`, HTTP 500).
    pub(crate) fault: bool,
}

impl Node {
    /// Scalars are validated as a whole; lists and maps of scalars report their element
    /// constraints in one aggregated message, like Coral does.
    pub(crate) fn is_scalar(&self) -> bool {
        !matches!(
            self.kind,
            Kind::Structure { .. } | Kind::Document | Kind::List { .. } | Kind::Map { .. }
        )
    }
}

/// All shapes of a model.
pub(crate) struct ShapeArena {
    pub(crate) nodes: Vec<Node>,
    pub(crate) by_name: HashMap<String, ShapeId>,
    /// Distinct patterns (shared by the nodes), keyed by Java source.
    pub(crate) patterns: BTreeMap<String, Arc<Pattern>>,
}

impl fmt::Debug for ShapeArena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShapeArena")
            .field("shapes", &self.nodes.len())
            .field("patterns", &self.patterns.len())
            .finish()
    }
}

impl ShapeArena {
    /// Resolves the raw shapes into an arena, checking every reference.
    pub(crate) fn build(raw: &BTreeMap<String, RawShape>) -> Result<Self, ModelError> {
        let by_name: HashMap<String, ShapeId> = raw
            .keys()
            .enumerate()
            .map(|(i, name)| (name.clone(), i))
            .collect();
        let resolve = |owner: &str, target: &str| -> Result<ShapeId, ModelError> {
            by_name.get(target).copied().ok_or_else(|| {
                ModelError::new(format!("shape {owner} refers to unknown shape {target}"))
            })
        };
        let mut patterns: BTreeMap<String, Arc<Pattern>> = BTreeMap::new();
        let mut nodes = Vec::with_capacity(raw.len());

        for (name, shape) in raw {
            let length = Bounds {
                min: shape.min,
                max: shape.max,
            };
            let missing =
                |what: &str| ModelError::new(format!("{} shape {name} has no {what}", shape.kind));
            let kind = match shape.kind.as_str() {
                "structure" if shape.document => Kind::Document,
                "structure" => {
                    for req in &shape.required {
                        if !shape.members.0.iter().any(|(m, _)| m == req) {
                            return Err(ModelError::new(format!(
                                "shape {name} requires unknown member {req}"
                            )));
                        }
                    }
                    let members = shape
                        .members
                        .0
                        .iter()
                        .map(|(member, target)| {
                            Ok(Member {
                                name: member.clone(),
                                path_name: lower_camel(member),
                                shape: resolve(name, &target.shape)?,
                                required: shape.required.iter().any(|r| r == member),
                            })
                        })
                        .collect::<Result<Vec<_>, ModelError>>()?;
                    Kind::Structure { members }
                }
                "list" => Kind::List {
                    member: resolve(
                        name,
                        &shape
                            .member
                            .as_ref()
                            .ok_or_else(|| missing("member"))?
                            .shape,
                    )?,
                    length,
                },
                "map" => Kind::Map {
                    key: resolve(
                        name,
                        &shape.key.as_ref().ok_or_else(|| missing("key"))?.shape,
                    )?,
                    value: resolve(
                        name,
                        &shape.value.as_ref().ok_or_else(|| missing("value"))?.shape,
                    )?,
                    length,
                },
                "string" => Kind::String {
                    length,
                    pattern: shape.pattern.as_ref().map(|p| {
                        patterns
                            .entry(p.clone())
                            .or_insert_with(|| Arc::new(Pattern::new(p)))
                            .clone()
                    }),
                    enum_values: shape.enum_values.clone(),
                },
                "integer" => Kind::Integer { range: length },
                "long" => Kind::Long { range: length },
                "float" => Kind::Float,
                "double" => Kind::Double,
                "boolean" => Kind::Boolean,
                "blob" => Kind::Blob { length },
                "timestamp" => Kind::Timestamp,
                other => {
                    return Err(ModelError::new(format!(
                        "shape {name} has unsupported type {other}"
                    )));
                }
            };
            nodes.push(Node {
                name: name.clone(),
                kind,
                sensitive: shape.sensitive,
                contains_sensitive: shape.sensitive,
                exception: shape.exception,
                fault: shape.fault,
            });
        }

        // Map keys must be strings (they are JSON object keys).
        for node in &nodes {
            if let Kind::Map { key, .. } = node.kind
                && !matches!(nodes[key].kind, Kind::String { .. })
            {
                return Err(ModelError::new(format!(
                    "map shape {} has a non-string key shape {}",
                    node.name, nodes[key].name
                )));
            }
        }

        let mut arena = Self {
            nodes,
            by_name,
            patterns,
        };
        arena.propagate_sensitivity();
        Ok(arena)
    }

    /// Marks every shape from which a sensitive shape is reachable (fixpoint, so recursive
    /// shapes terminate).
    fn propagate_sensitivity(&mut self) {
        loop {
            let mut changed = false;
            for i in 0..self.nodes.len() {
                if self.nodes[i].contains_sensitive {
                    continue;
                }
                let reaches = match &self.nodes[i].kind {
                    Kind::Structure { members } => members
                        .iter()
                        .any(|m| self.nodes[m.shape].contains_sensitive),
                    Kind::List { member, .. } => self.nodes[*member].contains_sensitive,
                    Kind::Map { key, value, .. } => {
                        self.nodes[*key].contains_sensitive || self.nodes[*value].contains_sensitive
                    }
                    _ => false,
                };
                if reaches {
                    self.nodes[i].contains_sensitive = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The node with this index.
    pub(crate) fn node(&self, id: ShapeId) -> &Node {
        &self.nodes[id]
    }
}
