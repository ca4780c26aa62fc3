use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::{Statuspage, common, schema};

pub struct ListPages;

impl Command<Statuspage> for ListPages {
    fn declare(&self) -> CommandDecl {
        // Every common flag but the page.
        let args: Vec<ArgDecl> = common::args().into_iter().filter(|a| a.id != "page").collect();
        CommandDecl::new("list_pages", "List the pages the token can reach")
            .reads()
            .output_schema_text(schema::PAGES)
            .args(args)
    }

    fn run(&self, _: &Statuspage, call: &Call<'_>) -> Result<Output, Error> {
        let client = common::client(call)?;
        let pages = client.get("/pages")?;
        let mut text = format!("{:<12}  {:<30}  {}\n", "ID", "NAME", "URL");
        for p in pages.as_array().into_iter().flatten() {
            let s = |k: &str| p[k].as_str().unwrap_or("").to_string();
            text.push_str(&format!("{:<12}  {:<30}  {}\n", s("id"), s("name"), s("url")));
        }
        Ok(Output::data(pages).with_text(text))
    }
}
