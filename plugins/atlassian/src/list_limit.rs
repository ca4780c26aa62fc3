//! `--limit N` of the list commands: stop after N items. Without it a listing reads at most
//! [`MAX_PAGES`](crate::client::MAX_PAGES) pages and [`MAX_ITEMS`](crate::client::MAX_ITEMS)
//! items and says so when it stops there; with it, up to N.

use statusctl_plugin_api::{ArgDecl, Call, Error};

pub fn arg(what: &str) -> ArgDecl {
    ArgDecl::value("limit").integer().value_name("N").help(&format!(
        "Stop after N {what} [default: all, up to {} (then a warning)]",
        crate::client::MAX_ITEMS
    ))
}

/// The `--limit` given, at least 1.
pub fn read(call: &Call<'_>) -> Result<Option<usize>, Error> {
    match call.args.int("limit") {
        Some(n) if n < 1 => Err(Error::usage("--limit must be at least 1")),
        Some(n) => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        None => Ok(None),
    }
}
