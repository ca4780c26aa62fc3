use statusctl_plugin_api::serde_json::json;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::api_error::Endpoint;
use crate::config::Origin;
use crate::{Nobl9, common, components, schema};

pub struct TestConnection;

impl Command<Nobl9> for TestConnection {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("test_connection", "Check the configuration and the credentials with one read")
            .long_about(
                "Validates the configuration, fetches an access token (client credentials) and reads \
                 GET /status-page/status.",
            )
            // The token exchange is a POST, but it only reads.
            .reads()
            .output_schema_text(schema::CONNECTION)
            .args(common::args())
            .example("statusctl nobl9:test-connection")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let client = common::connect(call, plugin)?;
        let auth = client.auth()?;
        let status =
            client.send(&client.request_with(&auth, "GET", "/status-page/status"), Endpoint::Kept)?;
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
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;
    use statusctl_plugin_api::testing::{Reply, TestHost};

    use crate::Nobl9;
    use crate::jwt;
    use crate::test_fixtures::{TOKEN, line, ok, sample_tree, scripted, with_client_credentials};

    #[test]
    fn with_a_token_one_read() {
        let host = scripted().reply(ok(sample_tree()));
        let out = host.run::<Nobl9>("test_connection", &[]).unwrap();
        assert_eq!(host.lines(), [line("GET", "/status-page/status")]);
        let sent = &host.requests()[0];
        assert_eq!(sent.header("Authorization"), Some("Bearer ***"));
        assert_eq!(sent.unmasked.headers[0], ("Authorization".to_string(), format!("Bearer {TOKEN}")));
        assert_eq!(sent.header("Organization"), Some("acme"));
        assert_eq!(sent.header("Content-Type"), None);
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
        let host = with_client_credentials()
            .reply(ok(json!({"access_token": token})))
            .reply(ok(json!({"components": []})));
        host.run::<Nobl9>("test_connection", &[]).unwrap();
        assert_eq!(
            host.lines(),
            ["POST http://n9/api/accessToken".to_string(), line("GET", "/status-page/status")]
        );
        assert_eq!(host.requests()[1].unmasked.headers[0].1, format!("Bearer {token}"));
    }

    #[test]
    fn refused_credentials_are_a_configuration_error() {
        let host = TestHost::new()
            .env("NOBL9_CLIENT_ID", "cid")
            .env("NOBL9_CLIENT_SECRET", "wrong")
            .env("NOBL9_ORG", "acme")
            .reply(Reply::status(401, ""));
        let err = host.run::<Nobl9>("test_connection", &[]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert_eq!(
            err.message,
            "Failed to authenticate. Check your NOBL9_CLIENT_ID, NOBL9_CLIENT_SECRET, and NOBL9_ORG."
        );
        assert_eq!(host.lines(), ["POST https://app.nobl9.com/api/accessToken"]);
        let host = scripted().reply(Reply::status(401, "expired"));
        let err = host.run::<Nobl9>("test_connection", &[]).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Config, "Authentication failed. Check your NOBL9_API_TOKEN and NOBL9_ORG.")
        );
    }

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
        let host = TestHost::new()
            .env("HOME", home.path().to_str().unwrap())
            .reply(ok(json!({"access_token": token})))
            .reply(ok(json!({"components": []})))
            .reply(ok(json!({"components": []})));
        let plugin = Nobl9::default();
        let out = host.run_on(&plugin, "test_connection", &[]).unwrap();
        host.run_on(&plugin, "list_components", &[]).unwrap();
        assert_eq!(
            host.lines(),
            [
                "POST http://okta.test/oauth2/srv/v1/token",
                "GET https://n9.test/api/dashboards/v1/status-page/status",
                "GET https://n9.test/api/dashboards/v1/status-page/components",
            ]
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("okta-id:okta-secret");
        assert_eq!(host.requests()[0].unmasked.headers[0].1, format!("Basic {basic}"));
        assert_eq!(host.requests()[0].header("Authorization"), Some("Basic ***"));
        assert_eq!(host.requests()[1].header("Organization"), Some("claimed"));
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
