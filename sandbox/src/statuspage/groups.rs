//! `/pages/{page_id}/component-groups`. A group is stored as a component with
//! `group: true`; its members point at it with `group_id`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::body::{Fields, Nullable};
use super::components::MAX_PER_PAGE;
use super::errors::{ApiError, ApiResult};
use super::ids::fresh_id;
use super::model::{Component, PageData};
use super::routes::Query;
use super::seed::automation_email;
use super::timestamp::Ts;

/// `GroupComponent` of the OpenAPI document (with `components` as the list of member ids
/// it really is).
#[derive(Serialize)]
struct GroupView<'a> {
    id: &'a str,
    page_id: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    components: Vec<&'a str>,
    position: u32,
    created_at: Ts,
    updated_at: Ts,
}

fn view(page: &PageData, group: &Component) -> Value {
    let view = GroupView {
        id: &group.id,
        page_id: &group.page_id,
        name: &group.name,
        description: group.description.as_deref(),
        components: page.members(&group.id).iter().map(|member| member.id.as_str()).collect(),
        position: group.position,
        created_at: group.created_at,
        updated_at: group.updated_at,
    };
    serde_json::to_value(view).unwrap_or_default()
}

fn find<'a>(page: &'a PageData, id: &str) -> ApiResult<&'a Component> {
    page.component(id).filter(|component| component.group).ok_or_else(ApiError::not_found)
}

pub(crate) fn list(page: &PageData, query: &Query) -> ApiResult<Value> {
    let paging = query.paging("per_page", MAX_PER_PAGE, Some(MAX_PER_PAGE))?;
    let groups: Vec<Value> =
        page.components.iter().filter(|component| component.group).map(|group| view(page, group)).collect();
    Ok(Value::Array(paging.apply(groups)))
}

pub(crate) fn get(page: &PageData, id: &str) -> ApiResult<Value> {
    Ok(view(page, find(page, id)?))
}

struct GroupInput {
    name: Option<String>,
    description: Nullable<String>,
    components: Option<Vec<String>>,
}

impl GroupInput {
    /// `{"description": "...", "component_group": {"name": "...", "components": [ids]}}`;
    /// `description` is also taken from inside `component_group`.
    fn read(body: &Map<String, Value>, page: &PageData) -> ApiResult<Self> {
        let fields = Fields::require(body, "component_group")?;
        let name = match fields.string("name")? {
            None => None,
            Some(Some(name)) if !name.trim().is_empty() => Some(name),
            Some(_) => return Err(ApiError::unprocessable("Name can't be blank")),
        };
        let description = match body.get("description") {
            None => fields.string("description")?,
            Some(Value::Null) => Some(None),
            Some(Value::String(text)) => Some(Some(text.clone())),
            Some(_) => return Err(ApiError::unprocessable("description must be a string")),
        };
        let components = fields.string_list("components")?;
        if let Some(ids) = &components {
            if ids.is_empty() {
                return Err(ApiError::unprocessable("A component group needs at least one component"));
            }
            for id in ids {
                match page.component(id) {
                    Some(component) if !component.group => {}
                    Some(_) => {
                        return Err(ApiError::unprocessable(format!(
                            "Component {id} is a group itself: groups cannot be nested"
                        )));
                    }
                    None => {
                        return Err(ApiError::unprocessable(format!(
                            "Component {id} does not exist on this page"
                        )));
                    }
                }
            }
        }
        Ok(Self { name, description, components })
    }
}

/// Makes exactly `members` the members of `group_id`.
fn set_members(page: &mut PageData, group_id: &str, members: &[String], now: Ts) {
    for component in page.components.iter_mut().filter(|component| !component.group) {
        let wanted = members.contains(&component.id);
        let is_member = component.group_id.as_deref() == Some(group_id);
        if wanted != is_member {
            component.group_id = wanted.then(|| group_id.to_owned());
            component.updated_at = now;
        }
    }
}

pub(crate) fn create(
    page: &mut PageData,
    body: &Map<String, Value>,
    now: Ts,
    rng: &mut fastrand::Rng,
) -> ApiResult<Value> {
    let input = GroupInput::read(body, page)?;
    let name = input.name.ok_or_else(|| ApiError::unprocessable("Name can't be blank"))?;
    let members = input
        .components
        .ok_or_else(|| ApiError::unprocessable("A component group needs at least one component"))?;
    let id = fresh_id(rng, |id| page.id_taken(id));
    let group = Component {
        id: id.clone(),
        page_id: page.page.id.clone(),
        group_id: None,
        created_at: now,
        updated_at: now,
        group: true,
        name,
        description: input.description.flatten(),
        position: page.next_position(),
        status: "operational".to_owned(),
        showcase: true,
        only_show_if_degraded: false,
        automation_email: automation_email(&id),
        start_date: None,
    };
    page.components.push(group);
    set_members(page, &id, &members, now);
    get(page, &id)
}

pub(crate) fn update(page: &mut PageData, id: &str, body: &Map<String, Value>, now: Ts) -> ApiResult<Value> {
    find(page, id)?;
    let input = GroupInput::read(body, page)?;
    if let Some(members) = &input.components {
        set_members(page, id, members, now);
    }
    let group = page.component_mut(id).ok_or_else(ApiError::not_found)?;
    if let Some(name) = input.name {
        group.name = name;
    }
    if let Some(description) = input.description {
        group.description = description;
    }
    group.updated_at = now;
    get(page, id)
}

/// Answers with the group as it was; its members stay, ungrouped.
pub(crate) fn delete(page: &mut PageData, id: &str, now: Ts) -> ApiResult<Value> {
    let shown = get(page, id)?;
    set_members(page, id, &[], now);
    page.components.retain(|component| component.id != id);
    Ok(shown)
}
