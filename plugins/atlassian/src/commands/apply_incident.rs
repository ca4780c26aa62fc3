use std::time::Duration;

use statusctl_plugin_api::apply::{self, ApplyArgs};
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::apply::{DEFAULT_SETTLE_MS, Options, run};
use crate::{Statuspage, common};

pub struct ApplyIncident;

impl Command<Statuspage> for ApplyIncident {
    fn declare(&self) -> CommandDecl {
        apply::declare("Make the page show an alert key's state (owned, idempotent, duplicate-proof)", true)
            .long_about(
                "Creates, updates or resolves the one incident statusctl owns for --key (metadata.statusctl), \
                 and sets its components: each shows the worst status the open owned incidents want, and is \
                 never lowered while an incident statusctl does not own names it. A repeat writes nothing; a \
                 change of the message alone is not written. Creates are silent, then announced once after a \
                 settle delay, so runs racing on one key end with one incident notified once.",
            )
            .args(common::args())
            .arg(
                ArgDecl::value("race_settle_ms")
                    .integer()
                    .hidden()
                    .value_name("MS")
                    .default_value(&DEFAULT_SETTLE_MS.to_string())
                    .help("Wait after a create before looking for racing copies (for tests and serve)"),
            )
    }

    fn run(&self, plugin: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let args = ApplyArgs::from_call(&call.args)?;
        let settle = call.args.int("race_settle_ms").unwrap_or(DEFAULT_SETTLE_MS as i64).clamp(0, 60_000);
        let request_id = plugin.request_id();
        let options =
            Options { settle: Duration::from_millis(settle as u64), request_id: request_id.clone() };
        let key = args.key.clone();
        Ok(run(&client, &page, args, options)?.request_id(request_id).output(&key))
    }
}
