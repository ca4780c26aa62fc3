//! What value and secret resolution read on the host: the process environment over
//! `./.env`, the active profile's table for one namespace, and the keyring store. The rules
//! themselves live in `statusctl_plugin_api::resolve`, shared with `config show`,
//! `secrets check` and the plugin test kit.

use serde_json::{Map, Value};
use statusctl_plugin_api::resolve::{EnvValue, Inputs};

use super::env::{EnvSource, EnvView};
use super::secrets::SecretStore;

pub struct HostInputs<'a> {
    pub env: &'a EnvView,
    /// The active profile's name and this namespace's table in it.
    pub profile: Option<(&'a str, &'a Map<String, Value>)>,
    pub store: &'a SecretStore,
}

impl Inputs for HostInputs<'_> {
    fn env(&self, name: &str) -> Option<EnvValue> {
        self.env.get_with_source(name).map(|(value, source)| EnvValue {
            value,
            file: match source {
                EnvSource::DotEnv => self.env.dotenv_path().map(ToOwned::to_owned),
                EnvSource::Process => None,
            },
        })
    }

    fn profile(&self) -> Option<(&str, &Map<String, Value>)> {
        self.profile
    }

    fn keyring(&self, service: &str, user: &str) -> Result<Option<String>, String> {
        self.store.get(service, user).map_err(|e| {
            tracing::debug!("keyring lookup for {service}/{user} failed: {e}");
            e.to_string()
        })
    }

    fn login_name(&self) -> String {
        login_name()
    }
}

/// The login name: the keyring user when none is named. From the real environment (`USER`,
/// `LOGNAME`, `USERNAME`) or the OS account, never from `./.env`: a file in whatever
/// directory the user stands in must not move secrets to another keyring entry.
pub fn login_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .or_else(os_account)
        .unwrap_or_else(|| "statusctl".into())
}

#[cfg(unix)]
fn os_account() -> Option<String> {
    // SAFETY: getpwuid_r writes into the buffers we own; the name is copied out before they go.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 1024];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(libc::getuid(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr(pwd.pw_name).to_str().ok().filter(|s| !s.is_empty()).map(str::to_string)
    }
}

#[cfg(not(unix))]
fn os_account() -> Option<String> {
    None
}
