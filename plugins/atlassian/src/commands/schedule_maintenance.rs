use serde::Deserialize;
use statusctl_plugin_api::serde_json::{Map, Value, json};
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::common::{self, MessageArgs};
use crate::create::{self, Listing};
use crate::{Statuspage, components, conan_text, incident_fields, schema, times};

pub struct ScheduleMaintenance;

#[derive(Deserialize)]
struct ScheduleArgs {
    title: Option<String>,
    #[serde(flatten)]
    message: MessageArgs,
    #[serde(default)]
    components: Vec<String>,
    scheduled: Option<String>,
    until: Option<String>,
    #[serde(default)]
    no_notify: bool,
    #[serde(default)]
    no_request_id: bool,
}

impl Command<Statuspage> for ScheduleMaintenance {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("schedule_maintenance", "Schedule a maintenance")
            .long_about(
                "Schedule a maintenance in the Status Page (postPagesPageIdIncidents). It starts at --scheduled \
                 (default: a minute from now) and ends at --until (default: 8 hours later); components given with \
                 -c go under maintenance while it runs.",
            )
            // Not idempotent: each run schedules another maintenance.
            .changes()
            .output_schema_text(schema::INCIDENT)
            .args(common::args())
            .arg(ArgDecl::value("title").short('t').help("Maintenance title (required)"))
            .args(common::message_args())
            .arg(incident_fields::components_arg())
            .arg(
                ArgDecl::value("scheduled")
                    .short('s')
                    .default_value("now")
                    .value_name("TIME")
                    .help("Start: `now` (a minute from now) or an RFC 3339 time"),
            )
            .arg(ArgDecl::value("until").value_name("TIME").help("End, RFC 3339 [default: start + 8 h]"))
            .arg(incident_fields::no_notify_arg())
            .arg(super::create_incident::no_request_id())
            .example(
                "statusctl statuspage:schedule-maintenance -t \"DB upgrade\" -c Database -s 2030-01-01T10:00:00Z",
            )
    }

    fn run(&self, plugin: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let args: ScheduleArgs = call.args.parse()?;
        let title = common::title(args.title.as_deref(), false)?.unwrap_or_default();
        let now = jiff::Timestamp::now();
        let (scheduled_for, start) = times::start(args.scheduled.as_deref(), now)?;
        let scheduled_until = times::end(args.until.as_deref(), start)?;
        let message = args.message.read()?;
        let ids = if args.components.is_empty() {
            Vec::new()
        } else {
            components::resolve(&client, &page, &args.components)?
        };
        let mut fields = Map::new();
        let mut put = |key: &str, value: Value| fields.insert(key.into(), value);
        put("name", json!(title));
        put("impact_override", json!("maintenance"));
        put("status", json!("scheduled"));
        put("scheduled_for", json!(scheduled_for));
        put("scheduled_until", json!(scheduled_until));
        put("scheduled_remind_prior", json!(true));
        put("auto_transition_to_maintenance_state", json!(true));
        put("auto_transition_to_operational_state", json!(true));
        put("scheduled_auto_in_progress", json!(true));
        put("scheduled_auto_completed", json!(false));
        put("auto_transition_deliver_notifications_at_start", json!(false));
        put("auto_transition_deliver_notifications_at_end", json!(true));
        put("deliver_notifications", json!(!args.no_notify));
        put("body", json!(message));
        if !ids.is_empty() {
            put("components", components::statuses(&ids, "under_maintenance"));
            put("component_ids", json!(ids));
        }
        // One that starts soon may be in progress (no longer "scheduled") by the time a lost
        // answer is looked up.
        let listing = if start > now + jiff::SignedDuration::from_mins(10) {
            Listing::Scheduled
        } else {
            Listing::Starting
        };
        let maintenance = create::create(
            &client,
            &page,
            Value::Object(fields),
            (!args.no_request_id).then(|| plugin.request_id()),
            listing,
        )?;
        Ok(Output::data(maintenance.clone()).with_text(conan_text::scheduled(&maintenance)))
    }
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;
    use statusctl_plugin_api::testing::{Reply, TestHost};

    use crate::Statuspage;

    const URL: &str = "https://api.statuspage.io/v1/pages/page1/incidents";

    #[test]
    fn posts_conans_maintenance_body_and_prints_conans_text() {
        let scheduled = json!({"id": "mnt000000001", "created_at": "2026-11-25T10:00:00.000Z",
            "name": "DB upgrade", "scheduled_for": "2030-01-01T10:00:00Z", "status": "scheduled",
            "impact": "maintenance", "shortlink": "https://stspg.io/m"});
        let host = TestHost::new().reply(Reply::json(201, &scheduled));
        let words = [
            "-tk",
            "tok-secret-1",
            "-p",
            "page1",
            "-t",
            "DB upgrade",
            "-s",
            "2030-01-01T10:00:00Z",
            "-c",
            "dbcomponent1",
        ];
        let out = host.run_on(&Statuspage::with_request_id("rid-2"), "schedule_maintenance", &words).unwrap();
        assert_eq!(
            out.text.as_deref(),
            Some(
                "Scheduled maintenance:\nMaintenance ID: mnt000000001\nCreated at: 2026-11-25T10:00:00.000Z\n\
                 Name: DB upgrade\nScheduled for (UTC) 2030-01-01T10:00:00Z\nStatus: scheduled\nImpact: maintenance\n\
                 URL: https://stspg.io/m\n\n"
            )
        );
        let [req] = host.requests().try_into().unwrap();
        assert_eq!((req.method.as_str(), req.url.as_str()), ("POST", URL));
        assert_eq!(req.header("Authorization"), Some("OAuth ***"));
        assert!(!req.idempotent);
        // Without -m Conan sent "body": null; the end is start + 8 h in Conan's format.
        assert_eq!(
            req.body.as_deref(),
            Some(concat!(
                r#"{"incident":{"name":"DB upgrade","impact_override":"maintenance","status":"scheduled","#,
                r#""scheduled_for":"2030-01-01T10:00:00Z","scheduled_until":"2030-01-01T18:00:00.000000Z","#,
                r#""scheduled_remind_prior":true,"auto_transition_to_maintenance_state":true,"#,
                r#""auto_transition_to_operational_state":true,"scheduled_auto_in_progress":true,"#,
                r#""scheduled_auto_completed":false,"auto_transition_deliver_notifications_at_start":false,"#,
                r#""auto_transition_deliver_notifications_at_end":true,"deliver_notifications":true,"body":null,"#,
                r#""components":{"dbcomponent1":"under_maintenance"},"component_ids":["dbcomponent1"],"#,
                r#""metadata":{"statusctl":{"request_id":"rid-2"}}}}"#
            ))
        );
    }

    #[test]
    fn a_lost_answer_is_looked_up_among_the_scheduled_maintenances() {
        let found = json!({"id": "mnt000000001", "metadata": {"statusctl": {"request_id": "rid-2"}}});
        let host = TestHost::new().reply(Reply::Dropped).reply(Reply::json(200, &json!([found])));
        let words = ["-tk", "tok-secret-1", "-p", "page1", "-t", "Later", "-s", "2030-01-01T10:00:00Z"];
        let out = host.run_on(&Statuspage::with_request_id("rid-2"), "schedule_maintenance", &words).unwrap();
        assert_eq!(out.data["id"], "mnt000000001");
        assert_eq!(host.lines(), [format!("POST {URL}"), format!("GET {URL}/scheduled?page=1&per_page=100")]);
    }

    #[test]
    fn a_bad_window_is_a_usage_error_before_anything_is_sent() {
        let host = TestHost::new();
        let words = [
            "-tk",
            "tok-secret-1",
            "-p",
            "page1",
            "-t",
            "x",
            "-s",
            "2030-01-01T10:00:00Z",
            "--until",
            "2030-01-01T09:00:00Z",
        ];
        let err = host.run::<Statuspage>("schedule_maintenance", &words).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert!(host.requests().is_empty());
    }
}
