//! The demo data a fresh (or reset) emulator starts with.

use super::model::{Component, Page, PageData, Store};
use super::timestamp::Ts;

/// API key that owns the demo page.
pub const DEMO_TOKEN: &str = "sandbox-statuspage-token";
/// The demo page, with components, a group and a duplicate-name pair.
pub const DEMO_PAGE_ID: &str = "sandboxpage1";
/// A second page, owned by [`OTHER_TOKEN`] only: [`DEMO_TOKEN`] gets 401 on it.
pub const OTHER_PAGE_ID: &str = "otherpage001";
/// API key that owns [`OTHER_PAGE_ID`] (and not the demo page).
pub const OTHER_TOKEN: &str = "sandbox-other-token";

/// `API`, member of the `Backend` group.
pub const API_COMPONENT_ID: &str = "apicomponent";
/// `Website`.
pub const WEBSITE_COMPONENT_ID: &str = "webcomponent";
/// `Database`, member of the `Backend` group.
pub const DATABASE_COMPONENT_ID: &str = "dbcomponent1";
/// `Payments`.
pub const PAYMENTS_COMPONENT_ID: &str = "paycomponent";
/// Two components both named `Cache`, for clients' ambiguous-name handling.
pub const CACHE_COMPONENT_IDS: [&str; 2] = ["cachecompo01", "cachecompo02"];
/// The `Backend` component group (API and Database).
pub const BACKEND_GROUP_ID: &str = "backendgroup";
/// `Other API`, the only component of [`OTHER_PAGE_ID`].
pub const OTHER_COMPONENT_ID: &str = "othercompo01";

/// 2024-01-01T00:00:00.000Z: every seeded record was created then.
const SEEDED_AT: Ts = Ts::from_millis(1_704_067_200_000);

pub(crate) fn store() -> Store {
    let demo_components = [
        (BACKEND_GROUP_ID, "Backend", true, None, Some("Services behind the public API")),
        (API_COMPONENT_ID, "API", false, Some(BACKEND_GROUP_ID), Some("Public REST API")),
        (DATABASE_COMPONENT_ID, "Database", false, Some(BACKEND_GROUP_ID), None),
        (WEBSITE_COMPONENT_ID, "Website", false, None, Some("www and the dashboard")),
        (PAYMENTS_COMPONENT_ID, "Payments", false, None, None),
        (CACHE_COMPONENT_IDS[0], "Cache", false, None, Some("Cache in eu-west")),
        (CACHE_COMPONENT_IDS[1], "Cache", false, None, Some("Cache in us-east")),
    ];
    let demo = PageData {
        page: page(DEMO_PAGE_ID, "Sandbox Demo", "sandbox-demo"),
        api_keys: vec![DEMO_TOKEN.to_owned()],
        components: demo_components
            .iter()
            .zip(1..)
            .map(|(&(id, name, group, group_id, description), position)| {
                component(DEMO_PAGE_ID, id, name, group, group_id, description, position)
            })
            .collect(),
        incidents: Vec::new(),
    };
    let other = PageData {
        page: page(OTHER_PAGE_ID, "Other Team", "other-team"),
        api_keys: vec![OTHER_TOKEN.to_owned()],
        components: vec![component(OTHER_PAGE_ID, OTHER_COMPONENT_ID, "Other API", false, None, None, 1)],
        incidents: Vec::new(),
    };
    Store { pages: vec![demo, other] }
}

fn page(id: &str, name: &str, subdomain: &str) -> Page {
    Page {
        id: id.to_owned(),
        created_at: SEEDED_AT,
        updated_at: SEEDED_AT,
        name: name.to_owned(),
        page_description: Some(format!("{name} status page (statusctl sandbox)")),
        headline: None,
        branding: "basic".to_owned(),
        subdomain: subdomain.to_owned(),
        domain: None,
        url: Some(format!("https://{subdomain}.example.com")),
        support_url: None,
        hidden_from_search: false,
        allow_page_subscribers: true,
        allow_incident_subscribers: true,
        allow_email_subscribers: true,
        allow_sms_subscribers: false,
        allow_rss_atom_feeds: true,
        allow_webhook_subscribers: true,
        notifications_from_email: None,
        notifications_email_footer: None,
        activity_score: 0.0,
        twitter_username: None,
        viewers_must_be_team_members: false,
        ip_restrictions: None,
        city: None,
        state: None,
        country: None,
        time_zone: "Etc/UTC".to_owned(),
        css_body_background_color: "#ffffff".to_owned(),
        css_font_color: "#333333".to_owned(),
        css_light_font_color: "#a7a7a7".to_owned(),
        css_greens: "#2fcc66".to_owned(),
        css_yellows: "#f1c40f".to_owned(),
        css_oranges: "#e67e22".to_owned(),
        css_blues: "#3498db".to_owned(),
        css_reds: "#e74c3c".to_owned(),
        css_border_color: "#ecf0f1".to_owned(),
        css_graph_color: "#3498db".to_owned(),
        css_link_color: "#3498db".to_owned(),
        css_no_data: "#b3bac5".to_owned(),
        favicon_logo: None,
        transactional_logo: None,
        hero_cover: None,
        email_logo: None,
        twitter_logo: None,
    }
}

pub(crate) fn automation_email(component_id: &str) -> String {
    format!("component+{component_id}@notifications.statuspage.io")
}

fn component(
    page_id: &str,
    id: &str,
    name: &str,
    group: bool,
    group_id: Option<&str>,
    description: Option<&str>,
    position: u32,
) -> Component {
    Component {
        id: id.to_owned(),
        page_id: page_id.to_owned(),
        group_id: group_id.map(str::to_owned),
        created_at: SEEDED_AT,
        updated_at: SEEDED_AT,
        group,
        name: name.to_owned(),
        description: description.map(str::to_owned),
        position,
        status: "operational".to_owned(),
        showcase: true,
        only_show_if_degraded: false,
        automation_email: automation_email(id),
        start_date: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_look_like_statuspage_ids() {
        let store = store();
        for data in &store.pages {
            assert!(super::super::ids::looks_like_id(&data.page.id), "{}", data.page.id);
            for component in &data.components {
                assert!(super::super::ids::looks_like_id(&component.id), "{}", component.id);
            }
        }
        assert_eq!(SEEDED_AT.to_string(), "2024-01-01T00:00:00.000Z");
    }
}
