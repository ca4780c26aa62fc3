//! The emulator's records, one set per organization. Their serde form is
//! what the state file holds; the API shows them through the views of the
//! endpoint modules.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::timestamp::Ts;

/// Everything the emulator knows; what the state file persists.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Store {
    pub(crate) organizations: Vec<Organization>,
}

/// One organization: its API clients and its status page.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct Organization {
    pub(crate) name: String,
    pub(crate) clients: Vec<Client>,
    /// Every component, parents before their children, siblings in display
    /// order.
    pub(crate) components: Vec<Component>,
    /// In creation order.
    pub(crate) issues: Vec<Issue>,
    /// In the order they were made.
    pub(crate) status_changes: Vec<StatusChange>,
    /// In the order they were opened.
    pub(crate) incidents: Vec<Incident>,
}

/// Client credentials for `/api/accessToken` and the Okta token path.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Client {
    pub(crate) id: String,
    pub(crate) secret: String,
    /// `m2mProfile.user` of the tokens issued to the client.
    pub(crate) user: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Component {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) parent_id: Option<String>,
    /// Its own status; the API shows the most critical of this and its
    /// descendants'.
    pub(crate) status: ComponentStatus,
    pub(crate) slos: Vec<SloRef>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SloRef {
    pub(crate) project: String,
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) display_name: Option<String>,
}

/// `operational` < `degradedPerformance` < `majorOutage`, in that order of
/// criticality (the derived `Ord`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ComponentStatus {
    Operational,
    DegradedPerformance,
    MajorOutage,
}

impl ComponentStatus {
    pub(crate) const ALL: [Self; 3] = [Self::Operational, Self::DegradedPerformance, Self::MajorOutage];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Operational => "operational",
            Self::DegradedPerformance => "degradedPerformance",
            Self::MajorOutage => "majorOutage",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

impl fmt::Display for ComponentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who reported an issue: a person or token (`POST /issues`), an external
/// system (`POST /issues/external`) or Nobl9 itself (SLO alerts; never
/// created by the emulator but counted in summaries).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) enum IssueSource {
    User,
    External,
    Internal,
}

impl IssueSource {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "user" => Some(Self::User),
            "external" => Some(Self::External),
            "internal" => Some(Self::Internal),
            _ => None,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Issue {
    pub(crate) id: String,
    pub(crate) component_id: String,
    pub(crate) source: IssueSource,
    pub(crate) occurred_at: Ts,
    pub(crate) comment: Option<String>,
    pub(crate) created_at: Ts,
    pub(crate) created_by: String,
}

/// What made a status change: a `change-status` call, the `statusChange`
/// of an external issue, or the auto-detection rule.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ChangeSource {
    User,
    External,
    AutoDetection,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct StatusChange {
    pub(crate) id: String,
    pub(crate) component_id: String,
    pub(crate) previous_status: ComponentStatus,
    pub(crate) new_status: ComponentStatus,
    pub(crate) changed_by: String,
    pub(crate) changed_at: Ts,
    pub(crate) comment: Option<String>,
    /// The component the change was made on, when it reached this one by
    /// `propagateUp`.
    pub(crate) propagated_from: Option<String>,
    /// The incident the change opened, escalated, continued or resolved.
    pub(crate) incident_id: Option<String>,
    pub(crate) source: ChangeSource,
}

/// Derived from status changes: at most one ongoing per component.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Incident {
    pub(crate) id: String,
    pub(crate) component_id: String,
    /// The worst status seen while ongoing.
    pub(crate) severity: ComponentStatus,
    pub(crate) started_at: Ts,
    pub(crate) ended_at: Option<Ts>,
    pub(crate) start_comment: Option<String>,
    pub(crate) end_comment: Option<String>,
    pub(crate) issue_count: u32,
    /// The changes that belong to it, oldest first; the first opened it.
    pub(crate) change_ids: Vec<String>,
}

impl Store {
    pub(crate) fn organization(&self, name: &str) -> Option<&Organization> {
        self.organizations.iter().find(|organization| organization.name == name)
    }

    pub(crate) fn organization_mut(&mut self, name: &str) -> Option<&mut Organization> {
        self.organizations.iter_mut().find(|organization| organization.name == name)
    }

    /// The client with these credentials and its organization.
    pub(crate) fn client(&self, id: &str, secret: &str) -> Option<(&Organization, &Client)> {
        self.organizations.iter().find_map(|organization| {
            let client =
                organization.clients.iter().find(|client| client.id == id && client.secret == secret)?;
            Some((organization, client))
        })
    }
}

impl Organization {
    pub(crate) fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|component| component.id == id)
    }

    pub(crate) fn component_mut(&mut self, id: &str) -> Option<&mut Component> {
        self.components.iter_mut().find(|component| component.id == id)
    }

    pub(crate) fn component_name(&self, id: &str) -> String {
        self.component(id).map(|component| component.name.clone()).unwrap_or_default()
    }

    /// Direct children, in display order.
    pub(crate) fn children<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Component> + 'a {
        self.components.iter().filter(move |component| component.parent_id.as_deref() == Some(id))
    }

    pub(crate) fn roots(&self) -> impl Iterator<Item = &Component> {
        self.components.iter().filter(|component| component.parent_id.is_none())
    }

    /// Parent first, then its parent, up to the root.
    pub(crate) fn ancestors(&self, id: &str) -> Vec<String> {
        let mut ancestors = Vec::new();
        let mut current = self.component(id).and_then(|component| component.parent_id.clone());
        while let Some(parent) = current {
            // A cycle cannot be built through the API; stop anyway if one were loaded.
            if ancestors.contains(&parent) {
                break;
            }
            current = self.component(&parent).and_then(|component| component.parent_id.clone());
            ancestors.push(parent);
        }
        ancestors
    }

    /// Every component in tree order (depth first, display order).
    pub(crate) fn tree_order(&self) -> Vec<&Component> {
        fn visit<'a>(organization: &'a Organization, component: &'a Component, out: &mut Vec<&'a Component>) {
            out.push(component);
            for child in organization.children(&component.id) {
                visit(organization, child, out);
            }
        }
        let mut out = Vec::new();
        for root in self.roots() {
            visit(self, root, &mut out);
        }
        out
    }

    /// The most critical of the component's own status and its
    /// descendants'.
    pub(crate) fn displayed_status(&self, id: &str) -> ComponentStatus {
        let own = self.component(id).map_or(ComponentStatus::Operational, |component| component.status);
        self.children(id).map(|child| self.displayed_status(&child.id)).fold(own, ComponentStatus::max)
    }

    pub(crate) fn ongoing_incident(&self, component_id: &str) -> Option<&Incident> {
        self.incidents
            .iter()
            .find(|incident| incident.component_id == component_id && incident.ended_at.is_none())
    }

    pub(crate) fn ongoing_incident_mut(&mut self, component_id: &str) -> Option<&mut Incident> {
        self.incidents
            .iter_mut()
            .find(|incident| incident.component_id == component_id && incident.ended_at.is_none())
    }

    pub(crate) fn status_change(&self, id: &str) -> Option<&StatusChange> {
        self.status_changes.iter().find(|change| change.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_order_by_criticality() {
        use ComponentStatus::*;
        assert!(Operational < DegradedPerformance && DegradedPerformance < MajorOutage);
        assert_eq!(ComponentStatus::parse("majorOutage"), Some(MajorOutage));
        assert_eq!(ComponentStatus::parse("partialOutage"), None);
        assert_eq!(serde_json::to_value(DegradedPerformance).ok(), Some("degradedPerformance".into()));
    }
}
