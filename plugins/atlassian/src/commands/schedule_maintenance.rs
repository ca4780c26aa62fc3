use statusctl_plugin_api::serde_json::{Map, Value, json};
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::create::{self, Listing};
use crate::{common, components, conan_text, incident_fields, times};

pub fn declare() -> CommandDecl {
    CommandDecl::new("schedule_maintenance", "Schedule a maintenance")
        .long_about(
            "Schedule a maintenance in the Status Page (postPagesPageIdIncidents). It starts at --scheduled \
             (default: a minute from now) and ends at --until (default: 8 hours later); components given with \
             -c go under maintenance while it runs.",
        )
        .mutating()
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
        .example("statusctl statuspage:schedule-maintenance -t \"DB upgrade\" -c Database -s 2030-01-01T10:00:00Z")
}

pub fn run(call: &Call<'_>) -> Result<Output, Error> {
    let (client, page) = common::connect(call)?;
    let title = common::title(call, false)?.unwrap_or_default();
    let now = jiff::Timestamp::now();
    let (scheduled_for, start) = times::start(call.args.str("scheduled"), now)?;
    let scheduled_until = times::end(call.args.str("until"), start)?;
    let message = common::message(call)?;
    let wanted = call.args.list("components");
    let ids = if wanted.is_empty() { Vec::new() } else { components::resolve(&client, &page, &wanted)? };
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
    put("deliver_notifications", json!(!call.args.flag("no_notify")));
    put("body", json!(message));
    if !ids.is_empty() {
        let map: Map<String, Value> = ids.iter().map(|id| (id.clone(), json!("under_maintenance"))).collect();
        put("components", Value::Object(map));
        put("component_ids", json!(ids));
    }
    let tag = !call.args.flag("no_request_id");
    // One that starts soon may be in progress (no longer "scheduled") by the time a lost
    // answer is looked up.
    let listing = if start > now + jiff::SignedDuration::from_mins(10) {
        Listing::Scheduled
    } else {
        Listing::Starting
    };
    let maintenance = create::create(&client, &page, Value::Object(fields), tag, listing)?;
    Ok(Output::data(maintenance.clone()).with_text(conan_text::scheduled(&maintenance)))
}
