//! The emulator's records. Pages, components and incident updates serialize
//! exactly as the API shows them; incidents keep a few internal fields and
//! are shown through [`super::incidents::IncidentView`]. The same serde form
//! is what the state file holds.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::timestamp::Ts;

/// Everything the emulator knows; what the state file persists.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Store {
    pub(crate) pages: Vec<PageData>,
}

/// One page with the API keys that own it and everything on it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct PageData {
    pub(crate) page: Page,
    pub(crate) api_keys: Vec<String>,
    /// Components and groups (`group: true`), in `position` order.
    pub(crate) components: Vec<Component>,
    /// In creation order.
    pub(crate) incidents: Vec<Incident>,
}

/// `Page` of the OpenAPI document, field for field.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Page {
    pub(crate) id: String,
    pub(crate) created_at: Ts,
    pub(crate) updated_at: Ts,
    pub(crate) name: String,
    pub(crate) page_description: Option<String>,
    pub(crate) headline: Option<String>,
    pub(crate) branding: String,
    pub(crate) subdomain: String,
    pub(crate) domain: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) support_url: Option<String>,
    pub(crate) hidden_from_search: bool,
    pub(crate) allow_page_subscribers: bool,
    pub(crate) allow_incident_subscribers: bool,
    pub(crate) allow_email_subscribers: bool,
    pub(crate) allow_sms_subscribers: bool,
    pub(crate) allow_rss_atom_feeds: bool,
    pub(crate) allow_webhook_subscribers: bool,
    pub(crate) notifications_from_email: Option<String>,
    pub(crate) notifications_email_footer: Option<String>,
    pub(crate) activity_score: f64,
    pub(crate) twitter_username: Option<String>,
    pub(crate) viewers_must_be_team_members: bool,
    pub(crate) ip_restrictions: Option<String>,
    pub(crate) city: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) country: Option<String>,
    pub(crate) time_zone: String,
    pub(crate) css_body_background_color: String,
    pub(crate) css_font_color: String,
    pub(crate) css_light_font_color: String,
    pub(crate) css_greens: String,
    pub(crate) css_yellows: String,
    pub(crate) css_oranges: String,
    pub(crate) css_blues: String,
    pub(crate) css_reds: String,
    pub(crate) css_border_color: String,
    pub(crate) css_graph_color: String,
    pub(crate) css_link_color: String,
    pub(crate) css_no_data: String,
    pub(crate) favicon_logo: Option<String>,
    pub(crate) transactional_logo: Option<String>,
    pub(crate) hero_cover: Option<String>,
    pub(crate) email_logo: Option<String>,
    pub(crate) twitter_logo: Option<String>,
}

/// `Component` of the OpenAPI document; groups are components with `group: true` whose
/// members point at them with `group_id`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Component {
    pub(crate) id: String,
    pub(crate) page_id: String,
    pub(crate) group_id: Option<String>,
    pub(crate) created_at: Ts,
    pub(crate) updated_at: Ts,
    pub(crate) group: bool,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) position: u32,
    pub(crate) status: String,
    pub(crate) showcase: bool,
    pub(crate) only_show_if_degraded: bool,
    pub(crate) automation_email: String,
    pub(crate) start_date: Option<String>,
}

/// A realtime incident or a scheduled maintenance.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Incident {
    pub(crate) id: String,
    pub(crate) page_id: String,
    /// Fixed at creation: scheduled maintenance or realtime incident.
    pub(crate) scheduled: bool,
    pub(crate) name: String,
    pub(crate) status: String,
    /// The worst impact computed so far (never lowered); `impact` shows the
    /// override instead when there is one.
    pub(crate) computed_impact: String,
    pub(crate) impact_override: Option<String>,
    pub(crate) created_at: Ts,
    pub(crate) updated_at: Ts,
    pub(crate) monitoring_at: Option<Ts>,
    pub(crate) resolved_at: Option<Ts>,
    pub(crate) started_at: Ts,
    pub(crate) shortlink: String,
    pub(crate) metadata: Map<String, Value>,
    /// Attached components, in attachment order.
    pub(crate) component_ids: Vec<String>,
    /// Newest first.
    pub(crate) incident_updates: Vec<IncidentUpdate>,
    pub(crate) postmortem_body: Option<String>,
    pub(crate) scheduled_for: Option<Ts>,
    pub(crate) scheduled_until: Option<Ts>,
    pub(crate) scheduled_remind_prior: bool,
    pub(crate) scheduled_auto_in_progress: bool,
    pub(crate) scheduled_auto_completed: bool,
    pub(crate) auto_transition_to_maintenance_state: bool,
    pub(crate) auto_transition_to_operational_state: bool,
    pub(crate) auto_transition_deliver_notifications_at_start: bool,
    pub(crate) auto_transition_deliver_notifications_at_end: bool,
    pub(crate) auto_tweet_at_beginning: bool,
    pub(crate) auto_tweet_on_completion: bool,
    pub(crate) auto_tweet_on_creation: bool,
    pub(crate) auto_tweet_one_hour_before: bool,
    pub(crate) reminder_intervals: Option<String>,
    pub(crate) backfilled: bool,
}

/// `IncidentUpdate` of the OpenAPI document, field for field.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct IncidentUpdate {
    pub(crate) id: String,
    pub(crate) incident_id: String,
    pub(crate) status: String,
    pub(crate) body: String,
    pub(crate) created_at: Ts,
    pub(crate) updated_at: Ts,
    pub(crate) display_at: Ts,
    pub(crate) affected_components: Vec<AffectedComponent>,
    pub(crate) deliver_notifications: bool,
    pub(crate) custom_tweet: Option<String>,
    pub(crate) tweet_id: Option<String>,
    pub(crate) twitter_updated_at: Option<Ts>,
    pub(crate) wants_twitter_update: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct AffectedComponent {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) old_status: String,
    pub(crate) new_status: String,
}

impl Store {
    /// Whether any record anywhere already uses `id`.
    pub(crate) fn id_taken(&self, id: &str) -> bool {
        self.pages.iter().any(|data| data.id_taken(id))
    }

    pub(crate) fn page_mut(&mut self, page_id: &str) -> Option<&mut PageData> {
        self.pages.iter_mut().find(|data| data.page.id == page_id)
    }
}

impl PageData {
    pub(crate) fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|component| component.id == id)
    }

    pub(crate) fn component_mut(&mut self, id: &str) -> Option<&mut Component> {
        self.components.iter_mut().find(|component| component.id == id)
    }

    /// Whether a component, incident or incident update of this page uses `id`.
    pub(crate) fn id_taken(&self, id: &str) -> bool {
        self.page.id == id
            || self.components.iter().any(|component| component.id == id)
            || self.incidents.iter().any(|incident| {
                incident.id == id || incident.incident_updates.iter().any(|update| update.id == id)
            })
    }

    pub(crate) fn next_position(&self) -> u32 {
        self.components.iter().map(|component| component.position).max().unwrap_or(0) + 1
    }

    /// Members of a group, in position order.
    pub(crate) fn members(&self, group_id: &str) -> Vec<&Component> {
        self.components.iter().filter(|component| component.group_id.as_deref() == Some(group_id)).collect()
    }
}
