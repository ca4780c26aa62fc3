//! The demo data a fresh (or reset) emulator starts with: two organizations
//! with one API client each, every component operational, no issues, no
//! status changes, no incidents.

#[cfg(test)]
use super::jwt::Claims;
use super::model::{Client, Component, ComponentStatus, Organization, SloRef, Store};

/// Client id of the demo organization's API client.
pub const DEMO_CLIENT_ID: &str = "sandbox-nobl9-client";
/// Its secret.
pub const DEMO_CLIENT_SECRET: &str = "sandbox-nobl9-secret";
/// The demo organization, with the component tree below.
pub const DEMO_ORG: &str = "sandbox-org";
/// `m2mProfile.user` of the demo client's tokens (and of [`DEMO_API_TOKEN`]):
/// the `changedBy`/`createdBy` of what they do.
pub const DEMO_USER: &str = "sandbox-automation";
/// A long-lived access token of the demo organization, accepted as
/// `Authorization: Bearer` like the ones the token endpoints issue: an HS256
/// JWT with `iss` `http://127.0.0.1/oauth2/auseg9kiegWKEtJZC416`, `cid`
/// [`DEMO_CLIENT_ID`], `iat` 2026-01-01T00:00:00Z, `exp`
/// 2100-01-01T00:00:00Z and `m2mProfile {user: DEMO_USER, organization:
/// DEMO_ORG, environment: ""}` (an empty environment: clients keep their
/// configured base URL).
pub const DEMO_API_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xL29hdXRoMi9hdXNlZzlraWVnV0tFdEpaQzQxNiIsImNpZCI6InNhbmRib3gtbm9ibDktY2xpZW50IiwiZXhwIjo0MTAyNDQ0ODAwLCJpYXQiOjE3NjcyMjU2MDAsIm0ybVByb2ZpbGUiOnsidXNlciI6InNhbmRib3gtYXV0b21hdGlvbiIsIm9yZ2FuaXphdGlvbiI6InNhbmRib3gtb3JnIiwiZW52aXJvbm1lbnQiOiIifX0.DOdM7517B_jmo1G2ycKCd2EsvbmGNvV7ZYiMo71HiUc";
/// The Okta authorization server of app.nobl9.com, the one the token path
/// `/oauth2/{server}/v1/token` answers for.
pub const OKTA_AUTH_SERVER: &str = "auseg9kiegWKEtJZC416";

/// A second organization with a client of its own and one component: its
/// tokens do not work for [`DEMO_ORG`] and it has a separate rate-limit
/// budget.
pub const OTHER_ORG: &str = "other-org";
pub const OTHER_CLIENT_ID: &str = "sandbox-nobl9-other-client";
pub const OTHER_CLIENT_SECRET: &str = "sandbox-nobl9-other-secret";
/// `m2mProfile.user` of the other client's tokens.
pub const OTHER_USER: &str = "other-automation";

/// `Platform`, a root: children `API`, `Database` and a `Cache`.
pub const PLATFORM_COMPONENT_ID: &str = "87703c60-6a77-4808-85fd-0a5be0268416";
/// `API`, under `Platform`: children `API EU` and `API US`.
pub const API_COMPONENT_ID: &str = "e3093e41-ab84-4a05-86af-914559451007";
/// `API EU`, under `API`; linked to the SLO `default/api-eu-availability`.
pub const API_EU_COMPONENT_ID: &str = "55c22ef6-9a5e-4c90-af6a-b41ca4105100";
/// `API US`, under `API`; linked to the SLO `default/api-us-availability`.
pub const API_US_COMPONENT_ID: &str = "9e48d1e0-84c0-4215-a7fb-a99200b689d8";
/// `Database`, under `Platform`.
pub const DATABASE_COMPONENT_ID: &str = "b94912ec-8ab8-452e-8a61-0418e6808abd";
/// `Web`, the second root: children `Frontend` and a `Cache`.
pub const WEB_COMPONENT_ID: &str = "fa29b8f8-3fff-4d2a-9672-1cf48aee41be";
/// `Frontend`, under `Web`.
pub const FRONTEND_COMPONENT_ID: &str = "f9896f64-e712-4c09-917e-88893dc6e846";
/// Two components both named `Cache`: the first under `Platform`, the
/// second under `Web`. An external issue for `Cache` reports both.
pub const CACHE_COMPONENT_IDS: [&str; 2] =
    ["15378946-7b44-4e89-89ac-0a72ebe7fa3f", "4f968e99-4fa0-4473-9f59-b6e71f847ea0"];
/// `Other Service`, the only component of [`OTHER_ORG`].
pub const OTHER_COMPONENT_ID: &str = "c7e15690-3087-4ee5-aefb-927cb0b05ff1";

/// What [`DEMO_API_TOKEN`] says.
#[cfg(test)]
pub(crate) fn demo_api_token_claims() -> Claims {
    Claims {
        issuer: format!("http://127.0.0.1/oauth2/{OKTA_AUTH_SERVER}"),
        client_id: DEMO_CLIENT_ID.to_owned(),
        expires_at: 4_102_444_800,
        issued_at: 1_767_225_600,
        user: DEMO_USER.to_owned(),
        organization: DEMO_ORG.to_owned(),
        environment: String::new(),
    }
}

pub(crate) fn store() -> Store {
    let demo_components = [
        (PLATFORM_COMPONENT_ID, "Platform", None, "Core platform services"),
        (API_COMPONENT_ID, "API", Some(PLATFORM_COMPONENT_ID), "Public REST API"),
        (API_EU_COMPONENT_ID, "API EU", Some(API_COMPONENT_ID), "API in eu-west-1"),
        (API_US_COMPONENT_ID, "API US", Some(API_COMPONENT_ID), "API in us-east-1"),
        (DATABASE_COMPONENT_ID, "Database", Some(PLATFORM_COMPONENT_ID), "Primary PostgreSQL cluster"),
        (CACHE_COMPONENT_IDS[0], "Cache", Some(PLATFORM_COMPONENT_ID), "Redis cache of the platform"),
        (WEB_COMPONENT_ID, "Web", None, "Public web properties"),
        (FRONTEND_COMPONENT_ID, "Frontend", Some(WEB_COMPONENT_ID), "Dashboard web app"),
        (CACHE_COMPONENT_IDS[1], "Cache", Some(WEB_COMPONENT_ID), "CDN edge cache"),
    ];
    let mut components: Vec<Component> = demo_components
        .iter()
        .map(|&(id, name, parent, description)| component(id, name, parent, description))
        .collect();
    for component in &mut components {
        let region = match component.id.as_str() {
            API_EU_COMPONENT_ID => "eu",
            API_US_COMPONENT_ID => "us",
            _ => continue,
        };
        component.slos.push(SloRef {
            project: "default".to_owned(),
            name: format!("api-{region}-availability"),
            display_name: Some(format!("API {} availability", region.to_uppercase())),
        });
    }
    Store {
        organizations: vec![
            organization(DEMO_ORG, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USER, components),
            organization(
                OTHER_ORG,
                OTHER_CLIENT_ID,
                OTHER_CLIENT_SECRET,
                OTHER_USER,
                vec![component(
                    OTHER_COMPONENT_ID,
                    "Other Service",
                    None,
                    "The other organization's service",
                )],
            ),
        ],
    }
}

fn organization(name: &str, id: &str, secret: &str, user: &str, components: Vec<Component>) -> Organization {
    Organization {
        name: name.to_owned(),
        clients: vec![Client { id: id.to_owned(), secret: secret.to_owned(), user: user.to_owned() }],
        components,
        issues: Vec::new(),
        status_changes: Vec::new(),
        incidents: Vec::new(),
    }
}

fn component(id: &str, name: &str, parent: Option<&str>, description: &str) -> Component {
    Component {
        id: id.to_owned(),
        name: name.to_owned(),
        description: Some(description.to_owned()),
        parent_id: parent.map(str::to_owned),
        status: ComponentStatus::Operational,
        slos: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_are_unique_uuids() {
        let store = store();
        let ids: Vec<&str> = store
            .organizations
            .iter()
            .flat_map(|organization| organization.components.iter().map(|component| component.id.as_str()))
            .collect();
        for id in &ids {
            let parsed = uuid::Uuid::parse_str(id).expect("a UUID");
            assert_eq!(parsed.get_version_num(), 4, "{id}");
        }
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
    }
}
