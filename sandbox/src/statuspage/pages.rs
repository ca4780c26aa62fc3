//! `GET /pages` and `GET /pages/{page_id}`.

use serde_json::Value;

use super::model::{PageData, Store};

/// The pages the key owns.
pub(crate) fn list(store: &Store, key: &str) -> Value {
    let pages: Vec<&_> = store
        .pages
        .iter()
        .filter(|data| data.api_keys.iter().any(|owner| owner == key))
        .map(|data| &data.page)
        .collect();
    serde_json::to_value(pages).unwrap_or_default()
}

pub(crate) fn get(data: &PageData) -> Value {
    serde_json::to_value(&data.page).unwrap_or_default()
}
