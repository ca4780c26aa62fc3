//! `/pages/{page_id}/components`: list (paged), get, create, update, delete.

use serde_json::{Map, Value};

use super::body::{Fields, Nullable};
use super::errors::{ApiError, ApiResult};
use super::ids::fresh_id;
use super::lifecycle::{COMPONENT_STATUSES, worst_status};
use super::model::{Component, PageData};
use super::routes::Query;
use super::seed::automation_email;
use super::timestamp::{Ts, is_date};

/// Default and maximum `per_page` (enforced upstream since February 2023).
pub(crate) const MAX_PER_PAGE: usize = 100;

/// A component as the API shows it; a group's status is its worst member's.
pub(crate) fn view(page: &PageData, component: &Component) -> Value {
    let mut shown = component.clone();
    if shown.group {
        shown.status =
            worst_status(page.members(&shown.id).iter().map(|member| member.status.as_str())).to_owned();
    }
    serde_json::to_value(shown).unwrap_or_default()
}

/// Components and groups (`group: true`), in position order, paged.
pub(crate) fn list(page: &PageData, query: &Query) -> ApiResult<Value> {
    let paging = query.paging("per_page", MAX_PER_PAGE, Some(MAX_PER_PAGE))?;
    let all: Vec<Value> = page.components.iter().map(|component| view(page, component)).collect();
    Ok(Value::Array(paging.apply(all)))
}

pub(crate) fn get(page: &PageData, id: &str) -> ApiResult<Value> {
    let component = page.component(id).ok_or_else(ApiError::not_found)?;
    Ok(view(page, component))
}

struct ComponentInput {
    name: Nullable<String>,
    description: Nullable<String>,
    status: Option<String>,
    group_id: Nullable<String>,
    showcase: Option<bool>,
    only_show_if_degraded: Option<bool>,
    start_date: Nullable<String>,
}

impl ComponentInput {
    fn read(body: &Map<String, Value>, page: &PageData) -> ApiResult<Self> {
        let fields = Fields::require(body, "component")?;
        let name = fields.string("name")?;
        if let Some(name) = &name
            && name.as_deref().is_none_or(|name| name.trim().is_empty())
        {
            return Err(ApiError::unprocessable("Name can't be blank"));
        }
        // The OpenAPI document's enum also has "": read as "leave unchanged".
        let status = fields.string("status")?.flatten().filter(|status| !status.is_empty());
        if let Some(status) = &status
            && !COMPONENT_STATUSES.contains(&status.as_str())
        {
            return Err(ApiError::unprocessable(format!(
                "Status {status:?} is not one of: {}",
                COMPONENT_STATUSES.join(", ")
            )));
        }
        // "If group_id is "null" then the component will be removed from a group."
        let group_id = fields
            .string("group_id")?
            .map(|group_id| group_id.filter(|group_id| !group_id.is_empty() && group_id != "null"));
        if let Some(Some(group_id)) = &group_id {
            check_group(page, group_id)?;
        }
        let start_date = fields.string("start_date")?.map(|date| date.filter(|date| !date.is_empty()));
        if let Some(Some(date)) = &start_date
            && !is_date(date)
        {
            return Err(ApiError::unprocessable(format!("Start date {date:?} is not a date (YYYY-MM-DD)")));
        }
        Ok(Self {
            name,
            description: fields.string("description")?,
            status,
            group_id,
            showcase: fields.bool("showcase")?,
            only_show_if_degraded: fields.bool("only_show_if_degraded")?,
            start_date,
        })
    }
}

fn check_group(page: &PageData, group_id: &str) -> ApiResult<()> {
    match page.component(group_id) {
        Some(group) if group.group => Ok(()),
        _ => Err(ApiError::unprocessable(format!("Group {group_id} is not a component group of this page"))),
    }
}

pub(crate) fn create(
    page: &mut PageData,
    body: &Map<String, Value>,
    now: Ts,
    rng: &mut fastrand::Rng,
) -> ApiResult<Value> {
    let input = ComponentInput::read(body, page)?;
    let Some(Some(name)) = input.name else {
        return Err(ApiError::unprocessable("Name can't be blank"));
    };
    let id = fresh_id(rng, |id| page.id_taken(id));
    let component = Component {
        id: id.clone(),
        page_id: page.page.id.clone(),
        group_id: input.group_id.flatten(),
        created_at: now,
        updated_at: now,
        group: false,
        name,
        description: input.description.flatten(),
        position: page.next_position(),
        status: input.status.unwrap_or_else(|| "operational".to_owned()),
        showcase: input.showcase.unwrap_or(true),
        only_show_if_degraded: input.only_show_if_degraded.unwrap_or(false),
        automation_email: automation_email(&id),
        start_date: input.start_date.flatten(),
    };
    page.components.push(component);
    get(page, &id)
}

pub(crate) fn update(page: &mut PageData, id: &str, body: &Map<String, Value>, now: Ts) -> ApiResult<Value> {
    let existing = page.component(id).ok_or_else(ApiError::not_found)?;
    if existing.group {
        return Err(ApiError::unprocessable(format!(
            "{id} is a component group: change it through /component-groups/{id}"
        )));
    }
    let input = ComponentInput::read(body, page)?;
    let component = page.component_mut(id).ok_or_else(ApiError::not_found)?;
    if let Some(Some(name)) = input.name {
        component.name = name;
    }
    if let Some(description) = input.description {
        component.description = description;
    }
    if let Some(status) = input.status {
        component.status = status;
    }
    if let Some(group_id) = input.group_id {
        component.group_id = group_id;
    }
    if let Some(showcase) = input.showcase {
        component.showcase = showcase;
    }
    if let Some(only_show_if_degraded) = input.only_show_if_degraded {
        component.only_show_if_degraded = only_show_if_degraded;
    }
    if let Some(start_date) = input.start_date {
        component.start_date = start_date;
    }
    component.updated_at = now;
    get(page, id)
}

/// Incidents that referenced the component simply stop showing it.
pub(crate) fn delete(page: &mut PageData, id: &str) -> ApiResult<()> {
    let index =
        page.components.iter().position(|component| component.id == id).ok_or_else(ApiError::not_found)?;
    if page.components[index].group {
        return Err(ApiError::unprocessable(format!(
            "{id} is a component group: delete it through /component-groups/{id}"
        )));
    }
    page.components.remove(index);
    Ok(())
}
