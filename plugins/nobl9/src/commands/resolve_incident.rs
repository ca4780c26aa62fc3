use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Call, CommandDecl, Error, Output};

use crate::py_str::py;
use crate::status_change::{self, Change};
use crate::token::TokenCache;
use crate::{common, components, status};

pub fn declare() -> CommandDecl {
    CommandDecl::new("resolve_incident", "Resolve a component's incident (back to operational)")
        .long_about(
            "The shared incident vocabulary on Nobl9: sets the component back to operational, which resolves \
             its ongoing incident (POST /status-page/components/{id}/change-status).",
        )
        .mutating()
        .args(common::args())
        .arg(common::component_arg())
        .arg(common::message_arg())
        .arg(common::propagate_arg())
        .example("statusctl nobl9:resolve-incident -c \"API Service\" -m \"Service restored\"")
}

pub fn run(call: &Call<'_>, tokens: &TokenCache) -> Result<Output, Error> {
    let component = common::required(call, "component", "-c COMPONENT")?;
    let client = common::connect(call, tokens)?;
    let id = components::resolve(&client, &component)?;
    let change = Change {
        component_id: &id,
        status: status::OPERATIONAL,
        comment: call.args.str("message").filter(|c| !c.is_empty()),
        propagate: call.args.flag("propagate"),
    };
    let result = status_change::apply(&client, change)?;
    let text = line("✅ Incident resolved", &result);
    Ok(Output::data(result).with_text(text))
}

/// `{what}: API Service is operational (was majorOutage)`.
pub fn line(what: &str, change: &Value) -> String {
    let name = change["componentName"].as_str().or(change["componentId"].as_str()).unwrap_or("None");
    format!("{what}: {name} is {} (was {})\n", py(&change["newStatus"]), py(&change["previousStatus"]))
}

#[cfg(test)]
mod tests {
    use crate::components::API_ID;
    use crate::fake_host::{FakeHost, api, reply, run};
    use statusctl_plugin_api::serde_json::json;

    #[test]
    fn back_to_operational() {
        let answer = json!({"componentName": "API Service", "previousStatus": "majorOutage", "newStatus": "operational"});
        let fake = FakeHost::scripted()
            .reply(reply(200, &answer.to_string()))
            .reply(reply(200, &answer.to_string()));
        let out = run(&fake, "resolve_incident", json!({"component": API_ID, "message": "Service restored"}))
            .unwrap();
        assert_eq!(
            fake.calls(),
            [format!("POST {}", api(&format!("/status-page/components/{API_ID}/change-status")))]
        );
        assert_eq!(
            fake.body(0),
            json!({"status": "operational", "propagateUp": false, "comment": "Service restored"})
        );
        assert_eq!(
            out.text.as_deref(),
            Some("✅ Incident resolved: API Service is operational (was majorOutage)\n")
        );
        run(&fake, "resolve_incident", json!({"component": API_ID, "propagate": true})).unwrap();
        assert_eq!(fake.body(1), json!({"status": "operational", "propagateUp": true}));
    }
}
