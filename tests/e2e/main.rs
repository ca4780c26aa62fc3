//! End-to-end tests: the real `statusctl` binary, real plugin cdylibs, local servers.

mod fake_api;
mod harness;

mod apply_nobl9;
mod apply_statuspage;
mod cli;
mod config;
mod discovery;
mod dotenv_trust;
mod dry_run;
mod embedding;
mod endpoints;
mod engine;
mod hostile_files;
mod hostile_plugins;
mod hostile_servers;
mod http;
mod install;
mod loading;
mod mcp_calls;
mod mcp_client;
mod mcp_protocol;
mod mcp_tools;
mod nobl9_auth;
mod nobl9_commands;
mod nobl9_faults;
mod output;
mod plugins_cmd;
mod sandbox_cmd;
mod secrets;
mod statuspage_faults;
mod statuspage_more;
mod statuspage_parity;
mod statuspage_schema;
mod third_party;
