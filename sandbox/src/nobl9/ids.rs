//! Identifiers of new records: random (v4) UUIDs, like Nobl9's.

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
