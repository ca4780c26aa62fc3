//! A `./.env` in whatever directory the user stands in (a cloned repository, a pull-request
//! checkout) may hold credentials, but may not choose where a credential from anywhere else
//! is sent, or what is trusted. Each test plants a real `.env`, runs the real binary with a
//! credential from a trusted place, and checks what reached the "attacker" (a second
//! loopback server) and the exit code.

use statusctl_sandbox::BackgroundSandbox;
use statusctl_sandbox::nobl9::{DEMO_API_TOKEN, DEMO_ORG};
use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN};

use crate::harness::*;
use crate::statuspage_parity::{api_url, sandbox};

const CONFIG: &str = "config/statusctl/config.toml";

fn profile(w: &World, namespace: &str, settings: &str) {
    let path = w.write(CONFIG, &format!("default_profile = \"p\"\n[profiles.p.{namespace}]\n{settings}\n"));
    set_mode(&path, 0o600);
}

#[track_caller]
fn refused(run: &Run, var: &str, credential: &str) {
    run.code(4).stdout_is("");
    run.stderr_has(&format!("{var} in "))
        .stderr_has("decides where credentials go")
        .stderr_has(&format!("the credential comes from {credential}"));
    run.never_shows(DEMO_TOKEN);
}

#[test]
fn a_dotenv_api_url_gets_no_token_from_the_profile_or_the_keyring_even_in_a_dry_run() {
    let attacker = echo_server();
    let w = World::with(&["statuspage"]);
    w.write("cwd/.env", &format!("STATUSPAGE_API_URL={}/v1\n", attacker.base_url()));
    profile(&w, "statuspage", &format!("token = \"{DEMO_TOKEN}\"\npage = \"{DEMO_PAGE_ID}\""));
    refused(&w.run(&["statuspage:list-components"]), "STATUSPAGE_API_URL", "profile p, key token");
    // A dry run still reads (component lookups): refused all the same.
    let run =
        w.run(&["--dry-run", "statuspage:create-incident", "-t", "x", "-cs", "major_outage", "-c", "API"]);
    refused(&run, "STATUSPAGE_API_URL", "profile p, key token");
    // The keyring.
    w.write(CONFIG, &format!("[profiles.q.statuspage]\npage = \"{DEMO_PAGE_ID}\"\n"));
    w.run_with_stdin(&["secrets", "set", "statuspage-token"], &format!("{DEMO_TOKEN}\n")).ok();
    refused(&w.run(&["statuspage:list-components", "-p", DEMO_PAGE_ID]), "STATUSPAGE_API_URL", "keyring");
    // A flag.
    let run = w.run(&["statuspage:list-components", "-p", DEMO_PAGE_ID, "-tk", DEMO_TOKEN]);
    refused(&run, "STATUSPAGE_API_URL", "--token");
    assert!(attacker.control().requests().is_empty(), "nothing reached the .env's server");
}

#[test]
fn a_dotenv_holding_the_credential_may_name_its_server_and_flags_or_the_environment_always_may() {
    let server = sandbox();
    let w = World::with(&["statuspage"]);
    w.write(
        "cwd/.env",
        &format!(
            "STATUSPAGE_API_URL={}\nSTATUSPAGE_TOKEN={DEMO_TOKEN}\nSTATUSPAGE_PAGE_ID={DEMO_PAGE_ID}\n",
            api_url(&server)
        ),
    );
    w.run(&["statuspage:list-components"]).ok();
    assert_eq!(sent(&server).len(), 1);
    // The URL from the real environment, the token from the profile: trusted places both.
    let w = World::with(&["statuspage"]).env("STATUSPAGE_API_URL", &api_url(&server));
    profile(&w, "statuspage", &format!("token = \"{DEMO_TOKEN}\"\npage = \"{DEMO_PAGE_ID}\""));
    w.write("cwd/.env", "UNRELATED=1\n");
    w.run(&["statuspage:list-components"]).ok();
    assert_eq!(sent(&server).len(), 2);
}

#[test]
fn the_profile_variable_and_ca_file_from_dotenv_need_the_credential_from_there_too() {
    let server = echo_server();
    let w = World::with(&["testkit"]).env("TESTKIT_TOKEN", "env-token-1234567");
    let url = format!("{}/echo/x", server.base_url());
    w.write(CONFIG, "[profiles.evil.testkit]\npage = \"p\"\n");
    w.write("cwd/.env", "STATUSCTL_PROFILE=evil\n");
    refused(&w.run(&["testkit:http", "--url", &url]), "STATUSCTL_PROFILE", "env TESTKIT_TOKEN");
    w.write("cwd/.env", "SSL_CERT_FILE=/tmp/attacker-ca.pem\n");
    refused(&w.run(&["testkit:http", "--url", &url]), "SSL_CERT_FILE", "env TESTKIT_TOKEN");
    assert!(server.control().requests().is_empty());
    // Without a credential nothing is at stake: the profile variable still works.
    let w = World::with(&["testkit"]);
    w.write(CONFIG, "[profiles.evil.testkit]\npage = \"p\"\n");
    w.write("cwd/.env", "STATUSCTL_PROFILE=evil\n");
    w.run(&["testkit:http", "--url", &url]).ok();
}

#[test]
fn a_plugin_that_reads_its_destination_itself_is_stopped_by_the_backstop() {
    let attacker = echo_server();
    let w = World::with(&["testkit"]).env("TESTKIT_TOKEN", "env-token-1234567");
    w.write("cwd/.env", &format!("UNDECLARED_URL={}/echo/x\n", attacker.base_url()));
    let run =
        w.run(&["testkit:http", "--url", "http://127.0.0.1:9/unused", "--target-var", "UNDECLARED_URL"]);
    run.code(4)
        .stdout_is("")
        .stderr_has("is named only in")
        .stderr_has("the credential comes from env TESTKIT_TOKEN");
    assert!(attacker.control().requests().is_empty());
    // Without a credential the request goes (nothing to steal).
    let w = World::with(&["testkit"]);
    w.write("cwd/.env", &format!("UNDECLARED_URL={}/echo/x\n", attacker.base_url()));
    w.run(&["testkit:http", "--url", "http://127.0.0.1:9/unused", "--target-var", "UNDECLARED_URL"]).ok();
    assert_eq!(attacker.control().requests().len(), 1);
}

#[test]
fn home_and_xdg_from_dotenv_never_reach_a_plugin() {
    let w = World::with(&["testkit"]);
    w.write("cwd/.env", "HOME=/attacker\nXDG_CONFIG_HOME=/attacker/config\nOTHER=fine\n");
    w.run(&["testkit:env", "HOME"]).ok().stdout_is(&format!("HOME={}\n", w.home.display()));
    w.run(&["testkit:env", "XDG_CONFIG_HOME"]).ok().stdout_lacks("/attacker");
    w.run(&["testkit:env", "OTHER"]).ok().stdout_is("OTHER=fine\n");
}

#[test]
fn a_dotenv_nobl9_base_url_gets_no_token_from_the_real_environment() {
    let attacker: BackgroundSandbox = echo_server();
    let w = World::with(&["nobl9"]).env("NOBL9_API_TOKEN", DEMO_API_TOKEN).env("NOBL9_ORG", DEMO_ORG);
    w.write("cwd/.env", &format!("NOBL9_BASE_URL={}\n", attacker.base_url()));
    let run = w.run(&["nobl9:list-components"]);
    run.code(4).stdout_is("").stderr_has("NOBL9_BASE_URL in ").stderr_has("env NOBL9_API_TOKEN");
    run.never_shows(DEMO_API_TOKEN);
    assert!(attacker.control().requests().is_empty());
}

#[test]
fn credentials_never_travel_over_plain_http_to_another_machine() {
    // `.invalid` never resolves: the refusal must come before any lookup or connection.
    let w = World::with(&["testkit"]).env("TESTKIT_TOKEN", "env-token-1234567");
    let run = w.run(&["testkit:http", "--url", "http://statusctl-test.invalid/x"]);
    run.code(4)
        .stdout_is("")
        .stderr_has("would travel unencrypted to statusctl-test.invalid over plain http://");
    run.stderr_has("--allow-http").never_shows("env-token-1234567");
}

#[test]
fn a_config_file_others_can_change_gets_a_warning() {
    let w = World::with(&["testkit"]);
    let path = w.write(CONFIG, "[profiles.p.testkit]\npage = \"x\"\n");
    set_mode(&path, 0o666);
    w.run(&["testkit:settings", "--profile", "p"])
        .ok()
        .stderr_has("others can change it (it decides where credentials go; chmod go-w it)");
    set_mode(&path, 0o600);
    w.run(&["testkit:settings", "--profile", "p"]).ok().stderr_lines(0);
}
