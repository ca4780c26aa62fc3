use std::io::{BufRead, IsTerminal};

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::json;
use statusctl_plugin_api::resolve::{self, ResolvedArgs};
use statusctl_plugin_api::{Output, SecretRequest};

use super::Context;
use crate::error::HostError;
use crate::services::inputs::{HostInputs, login_name};
use crate::services::secrets::{SecretStore, StoreError};

pub fn command() -> Command {
    let service = || {
        Arg::new("service")
            .required(true)
            .value_name("SERVICE")
            .help("Keyring service, e.g. statuspage-token")
    };
    let user =
        || Arg::new("user").long("user").value_name("USER").help("Keyring user [default: your login name]");
    Command::new("secrets")
        .about("Store, delete and check secrets in the OS keyring")
        .subcommand_required(true)
        .subcommand(
            Command::new("set")
                .about("Store a secret read from stdin (without echo on a terminal)")
                .arg(service())
                .arg(user()),
        )
        .subcommand(Command::new("delete").about("Delete a stored secret").arg(service()).arg(user()))
        .subcommand(
            Command::new("check")
                .about("Say where a secret would come from, without printing it")
                .arg(service())
                .arg(user())
                .arg(
                    Arg::new("env")
                        .long("env")
                        .value_name("VAR")
                        .action(ArgAction::Append)
                        .help("Environment variables looked at first (repeatable)"),
                ),
        )
}

pub fn run(m: &ArgMatches, cx: &Context<'_>) -> Result<Output, HostError> {
    let (sub, m) = m.subcommand().ok_or_else(|| HostError::Usage("missing secrets subcommand".into()))?;
    let service = m.get_one::<String>("service").cloned().unwrap_or_default();
    let user = m.get_one::<String>("user").cloned().unwrap_or_else(login_name);
    let store = cx.store;
    let store_err = |e: crate::services::secrets::StoreError| {
        HostError::Config(format!("cannot use {}: {e}", store.describe()))
    };
    match sub {
        "set" => {
            let secret = read_secret(&service, &user)?;
            store
                .set_verified(&service, &user, &secret)
                .map_err(|e| not_stored(store, &service, &user, &e, cx))?;
            Ok(said(
                format!("stored the secret for {service} (user {user}) in {}", store.describe()),
                json!({"service": service, "user": user, "stored": true}),
            ))
        }
        "delete" => {
            let existed = store.delete(&service, &user).map_err(store_err)?;
            let text = if existed {
                format!("deleted the secret for {service} (user {user}) from {}", store.describe())
            } else {
                format!("no secret for {service} (user {user}) in {}; nothing deleted", store.describe())
            };
            Ok(said(text, json!({"service": service, "user": user, "deleted": existed})))
        }
        "check" => {
            // The one secret chain the plugins use: each variable (then `VAR_FILE`), then
            // the keyring entry.
            let mut request = SecretRequest::new(&service).keyring(&service, &user);
            request.env = m.get_many::<String>("env").into_iter().flatten().cloned().collect();
            let inputs = HostInputs { env: cx.env, profile: None, store };
            match resolve::resolve_secret(&request, &ResolvedArgs::default(), &inputs)
                .map_err(HostError::Plugin)?
            {
                Some(found) => Ok(said(
                    format!("{service}: would come from {}", found.source),
                    json!({"service": service, "source": found.source, "found": true}),
                )),
                None => match store.get(&service, &user) {
                    Err(e) => Err(store_err(e)),
                    Ok(_) => Err(HostError::Config(format!(
                        "{service}: not found (no environment variable given is set, and {} has no entry for user {user})",
                        store.describe()
                    ))),
                },
            }
        }
        other => Err(HostError::Usage(format!("unknown secrets subcommand `{other}`"))),
    }
}

/// Why `secrets set` stored nothing, and where the secret can go instead: the plugins read
/// a variable and a profile key before the keyring, named after the service by convention
/// (`statuspage-token` → `STATUSPAGE_TOKEN`, profile key `token` of `statuspage`).
fn not_stored(
    store: &SecretStore,
    service: &str,
    user: &str,
    err: &StoreError,
    cx: &Context<'_>,
) -> HostError {
    let why = match err {
        StoreError::Keyring(why) | StoreError::NotKept(why) => why.clone(),
        StoreError::File { path, message } => format!("{}: {message}", path.display()),
    };
    let var = service.to_uppercase().replace(['-', '.', ' '], "_");
    let profile = match service.split_once('-') {
        Some((ns, key)) if !ns.is_empty() && !key.is_empty() => {
            let key = key.replace('-', "_");
            format!("`{key}` (or `{key}_file`) in the `{ns}` settings of a profile")
        }
        _ => "the plugin's setting in a profile".to_string(),
    };
    let config = cx.config_path.map(|p| format!(" ({})", p.display())).unwrap_or_default();
    HostError::Config(format!(
        "could not store the secret for {service} (user {user}) in {}: {why}; nothing stored. \
         Give it another way: the environment variable {var} (or {var}_FILE naming a file that holds it), \
         or {profile}{config}",
        store.describe()
    ))
}

fn said(text: String, data: serde_json::Value) -> Output {
    Output { data, text: Some(format!("{text}\n")) }
}

fn read_secret(service: &str, user: &str) -> Result<String, HostError> {
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("secret for {service} (user {user}): "))
            .map_err(|e| HostError::Failed(format!("cannot read the secret: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| HostError::Failed(format!("cannot read the secret from stdin: {e}")))?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    if secret.is_empty() {
        return Err(HostError::Usage("empty secret: nothing stored".into()));
    }
    Ok(secret)
}
