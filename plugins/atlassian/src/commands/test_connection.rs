use statusctl_plugin_api::serde_json::json;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::{Statuspage, common, schema};

pub struct TestConnection;

impl Command<Statuspage> for TestConnection {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("test_connection", "Check the token and the page, and say what was found")
            .reads()
            .output_schema_text(schema::CONNECTION)
            .args(common::args())
    }

    fn run(&self, _: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let (client, page) = common::connect(call)?;
        let found = client.get(&format!("/pages/{page}"))?;
        let all = client.get_all(&format!("/pages/{page}/components"), None)?.shown(client.host());
        // Groups are listed among the components; count only the components themselves.
        let components: Vec<_> = all.iter().filter(|c| c["group"].as_bool() != Some(true)).collect();
        let name = found["name"].as_str().unwrap_or("?");
        let text = format!(
            "API: {}\nPage: {name} ({page})\nURL: {}\nComponents: {}\nToken: accepted\n",
            call.args.str("api_url").unwrap_or(common::DEFAULT_API_URL),
            found["url"].as_str().unwrap_or("-"),
            components.len()
        );
        let data = json!({"page": found, "components": components.len(), "ok": true});
        Ok(Output::data(data).with_text(text))
    }
}
