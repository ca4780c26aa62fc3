//! A URL that cannot be sent to is one clear line at once, before anything is sent: exit 2
//! when it came from a flag, 4 when it came from the environment, `./.env` or a profile.

use crate::harness::*;

#[test]
fn a_bad_url_from_a_flag_is_a_usage_error_and_sends_nothing() {
    let w = World::with(&["testkit"]);
    let run = w.run(&["testkit:http", "--url", "api.test/v1"]);
    run.code(2).stdout_is("").stderr_has(
        "error: invalid URL 'api.test/v1' for --url (from --url): it must start with http:// or https://\n",
    );
    w.run(&["testkit:http", "--url", ""]).code(2).stderr_has("for --url (from --url): it is empty");
}

#[test]
fn a_bad_url_from_the_environment_is_a_configuration_error() {
    let w = World::with(&["testkit"]).env("TESTKIT_URL", "http:///v1");
    w.run(&["testkit:http"])
        .code(4)
        .stderr_has("error: invalid URL 'http:///v1' for --url (from env TESTKIT_URL): it has no host\n");
    // An empty variable counts as unset: the flag is then simply missing.
    let w = World::with(&["testkit"]).env("TESTKIT_URL", "");
    w.run(&["testkit:http"])
        .code(2)
        .stderr_has("the required argument --url was not provided (nor env TESTKIT_URL)");
    let w = World::with(&["testkit"]);
    w.write("cwd/.env", "TESTKIT_URL=ftp://files.test/x\n");
    w.run(&["testkit:http"])
        .code(4)
        .stderr_has("(from TESTKIT_URL in ")
        .stderr_has("it must start with http://");
}
