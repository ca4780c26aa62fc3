use statusctl_plugin_api::serde_json::json;
use statusctl_plugin_api::{Call, CommandDecl, Error, Output};

use crate::api_error::Endpoint;
use crate::common;
use crate::components;
use crate::config::Origin;
use crate::token::TokenCache;

pub fn declare() -> CommandDecl {
    CommandDecl::new("test_connection", "Check the configuration and the credentials with one read")
        .long_about(
            "Validates the configuration, fetches an access token (client credentials) and reads \
             GET /status-page/status.",
        )
        .args(common::args())
        .example("statusctl nobl9:test-connection")
}

pub fn run(call: &Call<'_>, tokens: &TokenCache) -> Result<Output, Error> {
    let client = common::connect(call, tokens)?;
    let auth = client.auth()?;
    let status = client.send(&client.request_with(&auth, "GET", "/status-page/status"), Endpoint::Kept)?;
    let source = match &client.config.origin {
        Origin::Environment => "environment (NOBL9_*)".to_string(),
        Origin::Sloctl { context, file: Some(file) } => format!("sloctl context '{context}' ({file})"),
        Origin::Sloctl { context, file: None } => format!("sloctl context '{context}' (environment)"),
    };
    let count = components::flatten(&status).len();
    let text = format!(
        "✅ Configuration loaded\n   Source: {source}\n✅ Authentication successful!\n   Organization: {}\n   API: {}\n   Components: {count}\n",
        auth.org, auth.api_root
    );
    let data = json!({
        "configuration": {"source": source, "organization": auth.org, "api": auth.api_root},
        "authenticated": true,
        "status": status,
    });
    Ok(Output::data(data).with_text(text))
}

#[cfg(test)]
mod tests {
    use crate::components::sample_tree;
    use crate::fake_host::{FakeHost, api, reply, run};
    use crate::jwt;
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    #[test]
    fn with_a_token_one_read() {
        let fake = FakeHost::scripted().reply(reply(200, &sample_tree().to_string()));
        let out = run(&fake, "test_connection", json!({})).unwrap();
        assert_eq!(fake.calls(), [format!("GET {}", api("/status-page/status"))]);
        assert_eq!(fake.header(0, "Authorization").as_deref(), Some("Bearer tok"));
        assert_eq!(fake.header(0, "Organization").as_deref(), Some("acme"));
        assert_eq!(fake.header(0, "Content-Type"), None);
        assert_eq!(
            out.text.as_deref(),
            Some(
                "✅ Configuration loaded\n   Source: environment (NOBL9_*)\n✅ Authentication successful!\n   Organization: acme\n   API: http://n9/api\n   Components: 5\n"
            )
        );
        assert_eq!(out.data["status"], sample_tree());
        assert_eq!(out.data["authenticated"], true);
    }

    #[test]
    fn with_client_credentials_the_token_first() {
        let token = jwt::make(&json!({"exp": jiff::Timestamp::now().as_second() + 3600}));
        let fake = FakeHost::new()
            .env("NOBL9_CLIENT_ID", "cid")
            .env("NOBL9_CLIENT_SECRET", "csecret")
            .env("NOBL9_ORG", "acme")
            .env("NOBL9_BASE_URL", "http://n9")
            .reply(reply(200, &json!({"access_token": token}).to_string()))
            .reply(reply(200, r#"{"components": []}"#));
        run(&fake, "test_connection", json!({})).unwrap();
        assert_eq!(
            fake.calls(),
            ["POST http://n9/api/accessToken".to_string(), format!("GET {}", api("/status-page/status"))]
        );
        assert_eq!(fake.header(1, "Authorization"), Some(format!("Bearer {token}")));
    }

    #[test]
    fn refused_credentials_are_a_configuration_error() {
        let fake = FakeHost::new()
            .env("NOBL9_CLIENT_ID", "cid")
            .env("NOBL9_CLIENT_SECRET", "wrong")
            .env("NOBL9_ORG", "acme")
            .reply(reply(401, ""));
        let err = run(&fake, "test_connection", json!({})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert_eq!(
            err.message,
            "Failed to authenticate. Check your NOBL9_CLIENT_ID, NOBL9_CLIENT_SECRET, and NOBL9_ORG."
        );
        assert_eq!(fake.calls(), ["POST https://app.nobl9.com/api/accessToken"]);
        let fake = FakeHost::scripted().reply(reply(401, "expired"));
        let err = run(&fake, "test_connection", json!({})).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Config, "Authentication failed. Check your NOBL9_API_TOKEN and NOBL9_ORG.")
        );
    }
}

#[cfg(test)]
mod sloctl_tests {
    use crate::Nobl9;
    use crate::fake_host::{FakeHost, reply, run_on};
    use crate::jwt;
    use base64::Engine;
    use statusctl_plugin_api::serde_json::json;

    /// A sloctl context with Okta: organization and API from the token's claims, one token per process.
    #[test]
    fn a_sloctl_context_with_okta_and_claims_and_one_token_for_two_commands() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".config/nobl9");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("config.toml"),
            "defaultContext = \"ci\"\n[Contexts.ci]\nClientId = \"okta-id\"\nClientSecret = \"okta-secret\"\noktaOrgUrl = \"http://okta.test\"\noktaAuthServer = \"srv\"\n",
        )
        .unwrap();
        let exp = jiff::Timestamp::now().as_second() + 3600;
        let token = jwt::make(
            &json!({"exp": exp, "m2mProfile": {"organization": "claimed", "environment": "n9.test"}}),
        );
        let fake = FakeHost::new()
            .env("HOME", home.path().to_str().unwrap())
            .reply(reply(200, &json!({"access_token": token}).to_string()))
            .reply(reply(200, r#"{"components": []}"#))
            .reply(reply(200, r#"{"components": []}"#));
        let plugin = Nobl9::default();
        let out = run_on(&plugin, &fake, "test_connection", json!({})).unwrap();
        run_on(&plugin, &fake, "list_components", json!({})).unwrap();
        assert_eq!(
            fake.calls(),
            [
                "POST http://okta.test/oauth2/srv/v1/token",
                "GET https://n9.test/api/dashboards/v1/status-page/status",
                "GET https://n9.test/api/dashboards/v1/status-page/components",
            ]
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("okta-id:okta-secret");
        assert_eq!(fake.header(0, "Authorization"), Some(format!("Basic {basic}")));
        assert_eq!(fake.header(1, "Organization").as_deref(), Some("claimed"));
        let text = out.text.unwrap();
        assert!(
            text.contains(&format!(
                "   Source: sloctl context 'ci' ({})\n",
                dir.join("config.toml").display()
            )),
            "{text}"
        );
        assert!(text.contains("   Organization: claimed\n   API: https://n9.test/api\n"));
    }
}
