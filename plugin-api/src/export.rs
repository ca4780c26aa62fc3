//! What `export_plugin!` expands to, kept as plain functions so it is type-checked once.

use std::panic::{AssertUnwindSafe, catch_unwind};

use abi_stable::std_types::{RResult, RString};

use crate::abi::{AbiError, HostRef, PluginModRef};
use crate::{Call, Error, Host, Invocation, Plugin};

/// Runs `f`, turning errors and panics into an [`AbiError`]: a panic must never cross the
/// boundary (it would abort the host).
pub fn guard(f: impl FnOnce() -> Result<String, Error>) -> RResult<RString, AbiError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(json)) => RResult::ROk(json.into()),
        Ok(Err(err)) => RResult::RErr(err.to_abi()),
        Err(payload) => {
            RResult::RErr(Error::internal(format!("panicked: {}", panic_message(&*payload))).to_abi())
        }
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

pub fn manifest_json<P: Plugin>(plugin: &P) -> Result<String, Error> {
    serde_json::to_string(&crate::plugin::full_manifest(plugin)).map_err(|e| Error::internal(e.to_string()))
}

pub fn invoke<P: Plugin>(plugin: &P, invocation: &str, host: HostRef<'_>) -> Result<String, Error> {
    let invocation: Invocation = serde_json::from_str(invocation)
        .map_err(|e| Error::internal(format!("bad invocation from host: {e}")))?;
    let output = plugin.run(Call { invocation, host: Host::from_raw(host) })?;
    serde_json::to_string(&output).map_err(|e| Error::internal(e.to_string()))
}

/// Makes a cdylib out of a [`Plugin`]: exports the root module (manifest and invoke, each
/// behind a panic guard) and a plain C symbol naming the namespace.
///
/// The crate needs `crate-type = ["cdylib", "rlib"]` (the rlib lets its tests call it directly).
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[doc(hidden)]
        pub mod __statusctl_plugin_export {
            use super::*;
            use $crate::__private::abi_stable::{
                self,
                prefix_type::PrefixTypeTrait,
                std_types::{RResult, RStr, RString},
            };
            use $crate::abi::{AbiError, HostRef, PluginMod, PluginModRef};

            fn plugin() -> &'static $plugin {
                static PLUGIN: ::std::sync::OnceLock<$plugin> = ::std::sync::OnceLock::new();
                PLUGIN.get_or_init(<$plugin as ::std::default::Default>::default)
            }

            extern "C" fn manifest() -> RResult<RString, AbiError> {
                $crate::__private::guard(|| $crate::__private::manifest_json(plugin()))
            }

            extern "C" fn invoke(invocation: RStr<'_>, host: HostRef<'_>) -> RResult<RString, AbiError> {
                $crate::__private::guard(|| $crate::__private::invoke(plugin(), invocation.as_str(), host))
            }

            fn root_module() -> PluginModRef {
                PluginMod { manifest, invoke }.leak_into_prefix()
            }

            extern "C" fn erased_root_module() -> abi_stable::library::RootModuleResult {
                $crate::__private::root_module_result(root_module)
            }

            /// The header abi_stable's loader looks for (see `root_module_result`).
            #[unsafe(export_name = "_1as_0lib_1header_0root_bmodule_bloader")]
            pub static STATUSCTL_ROOT_MODULE_HEADER: abi_stable::library::LibHeader = unsafe {
                abi_stable::library::LibHeader::from_constructor::<PluginModRef>(
                    erased_root_module,
                    abi_stable::library::CheckTypeLayout::Yes,
                )
            };

            #[unsafe(no_mangle)]
            pub extern "C" fn statusctl_plugin_namespace() -> *const ::std::ffi::c_char {
                static NAME: ::std::sync::OnceLock<::std::ffi::CString> = ::std::sync::OnceLock::new();
                NAME.get_or_init(|| {
                    ::std::ffi::CString::new(<$plugin as $crate::Plugin>::NAMESPACE).unwrap_or_default()
                })
                .as_ptr()
            }
        }
    };
}

/// What `#[export_root_module]` would generate, spelled through this crate's re-export so
/// that plugin crates need no direct `abi_stable` dependency.
pub fn root_module_result(module: fn() -> PluginModRef) -> abi_stable::library::RootModuleResult {
    abi_stable::library::__call_root_module_loader(module)
}

#[cfg(test)]
mod tests {
    /// `export_plugin!` spells abi_stable's mangled loader symbol literally (attributes
    /// need a literal); this keeps it in step with the abi_stable version in use.
    #[test]
    fn the_loader_symbol_matches_abi_stable() {
        assert_eq!(abi_stable::library::ROOT_MODULE_LOADER_NAME, "_1as_0lib_1header_0root_bmodule_bloader");
    }
}
