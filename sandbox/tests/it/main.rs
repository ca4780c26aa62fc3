//! End-to-end tests of the sandbox over real HTTP on 127.0.0.1.

mod control_api;
mod echo;
mod faults;
mod hardening;
mod lifecycle;
mod nobl9_auth;
mod nobl9_components;
mod nobl9_incidents;
mod nobl9_issues;
mod nobl9_sandbox;
mod nobl9_support;
mod recording;
mod statuspage_auth;
mod statuspage_components;
mod statuspage_incidents;
mod statuspage_lifecycle;
mod statuspage_sandbox;
mod statuspage_support;
mod support;
