use serde::{Deserialize, Serialize};

/// Where a plugin wants the host to look for one secret, in this order: the value of a
/// command argument; environment variables (`.env` included), each `VAR` then a file named
/// by `VAR_FILE`; the active profile's `key`, then a file named by `key_file`; the OS keyring.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretRequest {
    /// What the secret is, for messages (`Statuspage API token`).
    pub label: String,
    /// The id of an argument that may carry the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// A key in the plugin's table of the active profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_key: Option<String>,
    /// Keyring service and user; an empty user means the login name (the host decides it
    /// from the real environment or the OS account, never from `./.env`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyring: Option<(String, String)>,
}

impl SecretRequest {
    pub fn new(label: &str) -> Self {
        Self { label: label.into(), ..Self::default() }
    }
    pub fn arg(mut self, id: &str) -> Self {
        self.arg = Some(id.into());
        self
    }
    pub fn env(mut self, var: &str) -> Self {
        self.env.push(var.into());
        self
    }
    pub fn profile_key(mut self, key: &str) -> Self {
        self.profile_key = Some(key.into());
        self
    }
    /// The keyring entry `service`/`user`; an empty `user` means the login name.
    pub fn keyring(mut self, service: &str, user: &str) -> Self {
        self.keyring = Some((service.into(), user.into()));
        self
    }
    /// The keyring entry `service` for the login name (what `statusctl secrets set` uses).
    pub fn keyring_for_login(self, service: &str) -> Self {
        self.keyring(service, "")
    }
}

/// A secret the host found: `value` is the secret itself, `source` says where it was found
/// (`--token`, `env STATUSPAGE_TOKEN`, `profile prod, key token`, `keyring (svc, user me)`),
/// for messages. The host remembers the value and scrubs it from everything it prints.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretValue {
    pub value: String,
    pub source: String,
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretValue(*** from {})", self.source)
    }
}
