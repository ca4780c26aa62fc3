use statusctl_plugin_api::{Call, CommandDecl, Error, Output, serde_json::json};

use crate::common;

pub fn declare() -> CommandDecl {
    CommandDecl::new("test_connection", "Check the token and the page, and say what was found")
        .args(common::args())
}

pub fn run(call: &Call<'_>) -> Result<Output, Error> {
    let (client, page) = common::connect(call)?;
    let found = client.get(&format!("/pages/{page}"))?;
    let all = client.get_all(&format!("/pages/{page}/components"), "", None)?;
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
