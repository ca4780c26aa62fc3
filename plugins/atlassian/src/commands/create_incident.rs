use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::create::{self, Listing};
use crate::{common, conan_text, incident_fields};

pub fn declare() -> CommandDecl {
    CommandDecl::new("create_incident", "Create an incident")
        .long_about(
            "Create a new incident in the Status Page (postPagesPageIdIncidents). The request carries \
             metadata.statusctl.request_id, so a create whose answer is lost is looked up rather than sent twice.",
        )
        .mutating()
        .args(common::args())
        .args(incident_fields::args("Incident title (required)"))
        .arg(no_request_id())
        .example("statusctl statuspage:create-incident -t \"API down\" -s investigating -i major -cs major_outage -c API")
}

pub fn no_request_id() -> ArgDecl {
    ArgDecl::flag("no_request_id").help("Send no metadata.statusctl.request_id (and so no safe resend)")
}

pub fn run(call: &Call<'_>) -> Result<Output, Error> {
    let (client, page) = common::connect(call)?;
    let title = common::title(call, false)?;
    let fields = incident_fields::build(call, &client, &page, title)?;
    let tag = !call.args.flag("no_request_id");
    // An incident created resolved is not among the unresolved ones.
    let listing =
        if call.args.str("status") == Some("resolved") { Listing::Newest } else { Listing::Unresolved };
    let incident = create::create(&client, &page, Value::Object(fields), tag, listing)?;
    Ok(Output::data(incident.clone()).with_text(conan_text::created(&incident)))
}
