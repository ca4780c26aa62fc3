use serde::Deserialize;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::create::{self, Listing};
use crate::incident_fields::{self, IncidentArgs};
use crate::{Statuspage, common, conan_text, schema};

pub struct CreateIncident;

#[derive(Deserialize)]
struct CreateArgs {
    #[serde(flatten)]
    incident: IncidentArgs,
    #[serde(default)]
    no_request_id: bool,
}

impl Command<Statuspage> for CreateIncident {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("create_incident", "Create an incident")
            .long_about(
                "Create a new incident in the Status Page (postPagesPageIdIncidents). The request carries \
                 metadata.statusctl.request_id, so a create whose answer is lost is looked up rather than sent twice.",
            )
            // Not idempotent: each run creates another incident.
            .changes()
            .output_schema_text(schema::INCIDENT)
            .args(common::args())
            .args(incident_fields::args("Incident title (required)"))
            .arg(no_request_id())
            .example("statusctl statuspage:create-incident -t \"API down\" -s investigating -i major -cs major_outage -c API")
    }

    fn run(&self, plugin: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let args: CreateArgs = call.args.parse()?;
        let title = common::title(args.incident.title.as_deref(), false)?;
        let fields = args.incident.fields(&client, &page, title)?;
        // An incident created resolved is not among the unresolved ones.
        let listing = match args.incident.status.as_deref() {
            Some("resolved") => Listing::Newest,
            _ => Listing::Unresolved,
        };
        let incident = create::create(
            &client,
            &page,
            Value::Object(fields),
            (!args.no_request_id).then(|| plugin.request_id()),
            listing,
        )?;
        Ok(Output::data(incident.clone()).with_text(conan_text::created(&incident)))
    }
}

pub fn no_request_id() -> ArgDecl {
    ArgDecl::flag("no_request_id").help("Send no metadata.statusctl.request_id (and so no safe resend)")
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::serde_json::{Value, json};
    use statusctl_plugin_api::testing::{Reply, TestHost};
    use statusctl_plugin_api::{ErrorKind, RetryPolicy};

    use crate::Statuspage;

    const URL: &str = "https://api.statuspage.io/v1/pages/page1/incidents";

    fn created() -> Value {
        json!({"id": "inc000000001", "created_at": "2026-11-25T10:00:00.000Z", "name": "API down",
            "status": "investigating", "impact": "major", "shortlink": "https://stspg.io/abc123",
            "metadata": {"statusctl": {"request_id": "rid-1"}}})
    }

    fn run(
        host: &TestHost,
        extra: &[&str],
    ) -> Result<statusctl_plugin_api::Output, statusctl_plugin_api::Error> {
        let mut words = vec!["-tk", "tok-secret-1", "-p", "page1", "-t", "API down"];
        words.extend_from_slice(extra);
        host.run_on(&Statuspage::with_request_id("rid-1"), "create_incident", &words)
    }

    #[test]
    fn posts_the_conan_body_once_and_prints_the_conan_text() {
        let host = TestHost::new().reply(Reply::json(201, &created()));
        let args = [
            "-s",
            "investigating",
            "-i",
            "major",
            "-cs",
            "major_outage",
            "-c",
            "apicomponent",
            "-m",
            "Looking",
        ];
        let out = run(&host, &args).unwrap();
        assert_eq!(
            out.text.as_deref(),
            Some(
                "Created incident:\nIncident ID: inc000000001\nCreated at: 2026-11-25T10:00:00.000Z\nName: API down\n\
                 Status: investigating\nImpact: major\nURL: https://stspg.io/abc123\n\n"
            )
        );
        assert_eq!(out.data, created());
        let [req] = host.requests().try_into().unwrap();
        assert_eq!((req.method.as_str(), req.url.as_str()), ("POST", URL));
        assert_eq!(req.header("Authorization"), Some("OAuth ***"));
        assert_eq!(req.unmasked.headers[0], ("Authorization".into(), "OAuth tok-secret-1".into()));
        // Conan's keys in Conan's order, then the request id.
        assert_eq!(
            req.body.as_deref(),
            Some(
                r#"{"incident":{"name":"API down","status":"investigating","body":"Looking","components":{"apicomponent":"major_outage"},"component_ids":["apicomponent"],"impact_override":"major","metadata":{"statusctl":{"request_id":"rid-1"}}}}"#
            )
        );
        // Never resent blindly: not idempotent, so the host retries only what was not applied.
        assert!(!req.idempotent);
        assert_eq!(req.retry, RetryPolicy::standard());
        assert_eq!(req.rate_limit.as_ref().map(|r| (r.key.as_str(), r.requests)), Some(("statuspage", 60)));
        assert_eq!(req.unmasked.request_id.as_deref(), Some("rid-1"));
    }

    #[test]
    fn a_dropped_answer_is_looked_up_and_found_by_request_id_not_resent() {
        let host = TestHost::new()
            .reply(Reply::Dropped)
            .reply(Reply::json(200, &json!([{"id": "other0000001", "metadata": {}}, created()])));
        let out = run(&host, &[]).unwrap();
        assert_eq!(out.data, created());
        assert_eq!(
            host.lines(),
            [format!("POST {URL}"), format!("GET {URL}/unresolved?page=1&per_page=100")]
        );
        let warnings = host.warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0]
                .ends_with("it may have been applied; looking for request id rid-1 before sending again")
        );
        assert_eq!(warnings[1], "found it: an earlier attempt created inc000000001");
    }

    #[test]
    fn a_503_not_found_is_sent_again_with_the_same_request_id() {
        let host = TestHost::new()
            .reply(Reply::status(503, r#"{"error": "down"}"#))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(201, &created()));
        run(&host, &["-s", "resolved"]).unwrap();
        // Created resolved: looked for among the newest incidents.
        assert_eq!(
            host.lines(),
            [format!("POST {URL}"), format!("GET {URL}?page=1&limit=100"), format!("POST {URL}")]
        );
        let requests = host.requests();
        assert_eq!(requests[0].body, requests[2].body);
        assert_eq!(
            host.warnings(),
            [
                "POST /v1/pages/page1/incidents: 503 Service Unavailable: down; looking for request id rid-1 before sending again"
            ]
        );
    }

    #[test]
    fn without_a_request_id_a_lost_answer_is_an_unknown_outcome() {
        let host = TestHost::new().reply(Reply::Dropped);
        let err = run(&host, &["--no-request-id"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::OutcomeUnknown);
        assert_eq!(host.requests()[0].json()["incident"].get("metadata"), None);
        assert!(host.warnings().is_empty());
    }

    #[test]
    fn a_dry_run_records_the_create_and_sends_nothing_else() {
        let host = TestHost::new().dry_run();
        let err = run(&host, &["-c", "apicomponent"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::DryRun);
        let [req] = host.requests().try_into().unwrap();
        assert_eq!((req.method.as_str(), req.url.as_str()), ("POST", URL));
        assert_eq!(req.header("Authorization"), Some("OAuth ***"));
        assert_eq!(req.json()["incident"]["component_ids"], json!(["apicomponent"]));
        assert!(!req.body.unwrap().contains("tok-secret-1"));
    }

    #[test]
    fn the_token_is_checked_before_the_title() {
        let host = TestHost::new();
        let err = host.run::<Statuspage>("create_incident", &["-p", "page1"]).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Config, "Status Page API token is required.")
        );
        let err =
            host.run::<Statuspage>("create_incident", &["-tk", "tok-secret-1", "-p", "page1"]).unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Usage, "Incident title is required."));
        assert!(host.requests().is_empty());
    }

    #[test]
    fn a_2xx_that_is_not_an_incident_is_looked_up_and_never_resent() {
        for body in ["", "not json", "{}", "[]", "null", r#"{"id": ""}"#, r#"{"incident": {"id": 5}}"#] {
            let host = TestHost::new().reply(Reply::status(201, body)).reply(Reply::json(200, &json!([])));
            let err = run(&host, &[]).unwrap_err();
            assert_eq!(err.kind, ErrorKind::OutcomeUnknown, "{body:?}");
            assert_eq!(err.request_id.as_deref(), Some("rid-1"));
            assert!(err.message.contains("request id rid-1"), "{}", err.message);
            assert!(
                err.message.starts_with("POST /v1/pages/page1/incidents answered 201 with "),
                "{}",
                err.message
            );
            assert!(!err.message.contains("None"), "{}", err.message);
            assert_eq!(
                host.lines(),
                [format!("POST {URL}"), format!("GET {URL}/unresolved?page=1&per_page=100")]
            );
        }
        let host = TestHost::new()
            .reply(Reply::status(201, ""))
            .reply(Reply::json(200, &json!([{"id": "other0000001", "metadata": {}}, created()])));
        let out = run(&host, &[]).unwrap();
        assert_eq!(out.data, created());
        assert!(out.text.unwrap().contains("Incident ID: inc000000001\n"));
        assert_eq!(host.warnings()[1], "found it: an earlier attempt created inc000000001");
        // Without a request id there is nothing to look up: the outcome is unknown.
        let host = TestHost::new().reply(Reply::status(200, "null"));
        let err = run(&host, &["--no-request-id"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::OutcomeUnknown);
        assert_eq!(host.lines().len(), 1);
    }

    #[test]
    fn a_component_listing_that_repeats_its_page_is_an_error_and_nothing_is_posted() {
        let full: Vec<Value> = (0..100)
            .map(|i| json!({"id": format!("comp{i:08}"), "name": format!("C{i}"), "group": false}))
            .collect();
        let host =
            TestHost::new().reply(Reply::json(200, &json!(full))).reply(Reply::json(200, &json!(full)));
        let err = run(&host, &["-c", "Absent"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unavailable);
        assert!(err.message.contains("the server ignores `page`"), "{}", err.message);
        assert!(host.requests().iter().all(|r| r.method == "GET"));
        assert_eq!(host.requests().len(), 2);
    }

    #[test]
    fn control_characters_in_the_title_and_nul_anywhere_are_refused_before_sending() {
        for title in ["API\x1b[2Jdown", "API\ndown", "API\tdown", "A\u{85}"] {
            let host = TestHost::new();
            let err = host
                .run::<Statuspage>("create_incident", &["-tk", "tok-secret-1", "-p", "page1", "-t", title])
                .unwrap_err();
            assert_eq!(err.kind, ErrorKind::Usage, "{title:?}");
            assert!(err.message.starts_with("the title contains a control character"), "{}", err.message);
            assert!(host.requests().is_empty());
        }
        let host = TestHost::new();
        let err = run(&host, &["-m", "a\0b"]).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Usage, "--message contains a NUL character (U+0000)")
        );
        let err = host
            .run::<Statuspage>("create_incident", &["-tk", "tok\0secret", "-p", "page1", "-t", "x"])
            .unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Usage, "--token contains a NUL character (U+0000)")
        );
        assert!(host.requests().is_empty());
        // Newlines and tabs in a message are fine.
        let host = TestHost::new().reply(Reply::json(201, &created()));
        run(&host, &["-m", "line 1\n\tline 2"]).unwrap();
        assert_eq!(host.requests()[0].json()["incident"]["body"], "line 1\n\tline 2");
    }
}
