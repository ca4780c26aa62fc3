//! Opens one plugin library and reads its manifest, turning every failure into one line.

use std::ffi::{CStr, c_char};
use std::path::Path;

use abi_stable::library::{LibraryError, RawLibrary, lib_header_from_path};
use statusctl_plugin_api::{API_VERSION, Error as PluginError, Manifest, abi::PluginModRef};

/// A library that loaded and described itself.
pub struct Loaded {
    pub module: PluginModRef,
    pub manifest: Manifest,
}

/// Why a library was skipped.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub incompatible: bool,
    /// One line: the reason and what to do.
    pub reason: String,
    /// Long details (abi_stable's layout report), shown with `-vv`.
    pub detail: Option<String>,
}

impl LoadError {
    fn invalid(reason: impl Into<String>) -> Self {
        Self { incompatible: false, reason: reason.into(), detail: None }
    }
    fn incompatible(reason: impl Into<String>, detail: Option<String>) -> Self {
        Self { incompatible: true, reason: reason.into(), detail }
    }
}

/// Namespaces a manifest may not take: the host's built-in commands (the global flags are
/// the SDK's `HOST_FLAGS`, checked by the same function).
pub struct Reserved<'a> {
    pub namespaces: &'a [String],
}

/// Loads `path` once, with abi_stable's per-file header loading (the per-type loaders cache
/// the first library of a type and would hand it back for every other file).
pub fn load(path: &Path, reserved: &Reserved<'_>) -> Result<Loaded, LoadError> {
    let header = lib_header_from_path(path).map_err(|err| describe(&err))?;
    check_version(header.version_strings().version.as_str())?;
    let module = header.init_root_module::<PluginModRef>().map_err(|err| describe(&err))?;
    let json = (module.manifest())().into_result().map_err(|err| {
        LoadError::invalid(format!("its manifest function failed: {}", PluginError::from_abi(&err)))
    })?;
    let manifest: Manifest = serde_json::from_str(&json)
        .map_err(|err| LoadError::invalid(format!("its manifest does not parse: {err}")))?;
    check_manifest(&manifest, reserved).map_err(LoadError::invalid)?;
    Ok(Loaded { module, manifest })
}

/// abi_stable accepts a plugin built against a newer 0.x minor and then fails on layout
/// with a long report; compare the versions first so both directions get one clear line.
fn check_version(plugin: &str) -> Result<(), LoadError> {
    let series = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
        let major = parts.next()??;
        let minor = parts.next()??;
        Some((major, if major == 0 { minor } else { 0 }))
    };
    if series(plugin).is_some() && series(plugin) != series(API_VERSION) {
        return Err(LoadError::incompatible(
            format!(
                "built against plugin-api {plugin}, this statusctl accepts {API_VERSION}: rebuild it against plugin-api {API_VERSION}"
            ),
            None,
        ));
    }
    Ok(())
}

/// The one manifest check of the SDK, with this host's built-in command names.
pub fn check_manifest(manifest: &Manifest, reserved: &Reserved<'_>) -> Result<(), String> {
    let namespaces: Vec<&str> = reserved.namespaces.iter().map(String::as_str).collect();
    manifest.check(&namespaces).map_err(|e| format!("its manifest is refused: {e}"))
}

fn describe(err: &LibraryError) -> LoadError {
    let rebuild = format!("rebuild it against plugin-api {API_VERSION}");
    match err {
        LibraryError::OpenError { err, path } => {
            let text = err.to_string();
            let first = text.lines().next().unwrap_or("").trim();
            // dlerror() repeats the path the warning already names.
            let first = first.strip_prefix(&format!("{}: ", path.display())).unwrap_or(first);
            LoadError::invalid(format!("not a loadable library ({first})"))
        }
        LibraryError::GetSymbolError { .. } => {
            LoadError::invalid("not a statusctl plugin (it exports no plugin root module)")
        }
        LibraryError::IncompatibleVersionNumber { actual_version, .. } => LoadError::incompatible(
            format!(
                "built against plugin-api {actual_version}, this statusctl accepts {API_VERSION}: {rebuild}"
            ),
            None,
        ),
        LibraryError::AbiInstability(detail) => LoadError::incompatible(
            format!(
                "its plugin-api types do not match this statusctl's layout (plugin-api {API_VERSION}): {rebuild}"
            ),
            Some(detail.to_string()),
        ),
        LibraryError::InvalidAbiHeader(_) | LibraryError::InvalidCAbi { .. } => LoadError::incompatible(
            format!("built with an incompatible abi_stable version: {rebuild}"),
            Some(err.to_string()),
        ),
        LibraryError::Many(errors) => {
            errors.iter().next().map(describe).unwrap_or_else(|| LoadError::invalid("unknown error"))
        }
        other => {
            let text = other.to_string();
            LoadError::invalid(text.lines().next().unwrap_or("unknown error").to_string())
        }
    }
}

/// Reads the plain C namespace symbol of a library whose abi_stable checks failed.
pub fn namespace_symbol(path: &Path) -> Option<String> {
    let lib = RawLibrary::load_at(path).ok()?;
    let name = statusctl_plugin_api::abi::NAMESPACE_SYMBOL;
    // SAFETY: the symbol, when present, is the `extern "C" fn() -> *const c_char` that
    // `export_plugin!` generates; it returns a pointer to a static NUL-terminated string.
    let namespace = unsafe {
        let func = lib.get::<extern "C" fn() -> *const c_char>(name).ok()?;
        let ptr = func();
        if ptr.is_null() {
            return None;
        }
        CStr::from_ptr(ptr).to_str().ok()?.to_owned()
    };
    // Libraries are never unloaded: their code may still be referenced.
    std::mem::forget(lib);
    (!namespace.is_empty()).then_some(namespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_must_share_the_series() {
        assert!(check_version(API_VERSION).is_ok());
        let (major, minor) = {
            let mut p = API_VERSION.split('.').map(|x| x.parse::<u64>().unwrap());
            (p.next().unwrap(), p.next().unwrap())
        };
        assert!(check_version(&format!("{major}.{minor}.99")).is_ok());
        for other in [format!("{major}.{}.0", minor + 1), format!("{}.0.0", major + 1)] {
            let err = check_version(&other).unwrap_err();
            assert!(err.incompatible && err.reason.contains(&other), "{}", err.reason);
        }
        if minor > 0 {
            assert!(check_version(&format!("{major}.{}.0", minor - 1)).is_err());
        }
    }
}
