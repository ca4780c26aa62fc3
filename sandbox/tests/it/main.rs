//! End-to-end tests of the sandbox over real HTTP on 127.0.0.1.

mod control_api;
mod echo;
mod faults;
mod lifecycle;
mod recording;
mod support;
