//! `statuspage:apply_incident` (capability `apply_incident/1`): make the page show one alert
//! key's state, owned, convergent and duplicate-proof without shared state.
//!
//! Ownership lives in the incident's metadata, `metadata.statusctl = {key, request_id,
//! components: "id=status,…", notified: "yes"|"no", v: "1"}` (flat strings), always written
//! whole. Only incidents carrying the marker of the key are touched. A component shows the
//! worst status the open owned incidents naming it want, and is never lowered while an open
//! incident statusctl does not own names it.
//!
//! Creates are silent (`deliver_notifications: false`, `notified: "no"`); after a settle
//! delay the open owned incidents of the key are listed, the oldest (`created_at`, then id)
//! wins, a losing copy is deleted, and the winner announces with one update
//! (`deliver_notifications: true`) that also marks it `notified: "yes"`. Every run repairs:
//! an unannounced incident past the settle window is announced, never-announced extra
//! copies are deleted.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use jiff::Timestamp;
use statusctl_plugin_api::Error;
use statusctl_plugin_api::apply::{Action, AlertState, Applied, ApplyArgs};
use statusctl_plugin_api::serde_json::{Map, Value, json};

use crate::client::{self, Client, PER_PAGE, Pager, check};
use crate::components;
use crate::create::{self, Listing};

/// A component in an apply: id, the label it was given as (or its name), status.
type Row = (String, String, String);

/// The metadata key of the owner marker.
pub const MARKER_KEY: &str = "statusctl";
/// The marker's format version.
const MARKER_VERSION: &str = "1";
/// How long a create waits before it looks for copies made at the same time.
pub const DEFAULT_SETTLE_MS: u64 = 1000;

/// Component statuses, best to worst.
const SEVERITY: [&str; 5] =
    ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"];

fn rank(status: &str) -> usize {
    SEVERITY.iter().position(|s| *s == status).unwrap_or(0)
}

fn worse<'a>(a: &'a str, b: &'a str) -> &'a str {
    if rank(b) > rank(a) { b } else { a }
}

/// `metadata.statusctl` of an owned incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub key: String,
    pub request_id: String,
    /// Wanted status per component id, sorted by id.
    pub components: Vec<(String, String)>,
    pub notified: bool,
}

impl Marker {
    /// The marker of `incident`, if it has one with a key.
    pub fn of(incident: &Value) -> Option<Marker> {
        let marker = incident.get("metadata")?.get(MARKER_KEY)?;
        let key = marker.get("key")?.as_str()?.to_string();
        let text = |k: &str| marker.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        Some(Marker {
            key,
            request_id: text("request_id"),
            components: parse_components(&text("components")),
            notified: text("notified") == "yes",
        })
    }

    /// The marker as written: flat strings only.
    pub fn value(&self) -> Value {
        json!({
            "key": self.key,
            "request_id": self.request_id,
            "components": components_text(&self.components),
            "notified": if self.notified { "yes" } else { "no" },
            "v": MARKER_VERSION,
        })
    }
}

/// `id=status,…`, sorted by id.
pub fn components_text(components: &[(String, String)]) -> String {
    let mut sorted = components.to_vec();
    sorted.sort();
    sorted.iter().map(|(id, status)| format!("{id}={status}")).collect::<Vec<_>>().join(",")
}

pub fn parse_components(text: &str) -> Vec<(String, String)> {
    let mut parsed: Vec<(String, String)> = text
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(id, status)| (id.trim().to_string(), status.trim().to_string()))
        .filter(|(id, status)| !id.is_empty() && !status.is_empty())
        .collect();
    parsed.sort();
    parsed
}

/// An incident as apply reads it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub id: String,
    pub created_at: String,
    pub created: Option<Timestamp>,
    pub status: String,
    pub name: String,
    pub impact: String,
    pub resolved_at: Option<Timestamp>,
    pub marker: Option<Marker>,
    /// Attached components: id, name and current status.
    pub attached: Vec<Row>,
    pub metadata: Map<String, Value>,
}

impl Seen {
    pub fn read(incident: &Value) -> Option<Seen> {
        let text = |k: &str| incident.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let id = text("id");
        if id.is_empty() {
            return None;
        }
        let attached = incident
            .get("components")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|c| {
                        let s = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
                        Some((s("id")?, s("name").unwrap_or_default(), s("status").unwrap_or_default()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Seen {
            created: text("created_at").parse().ok(),
            created_at: text("created_at"),
            status: text("status"),
            name: text("name"),
            impact: text("impact"),
            resolved_at: text("resolved_at").parse().ok(),
            marker: Marker::of(incident),
            attached,
            metadata: incident.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default(),
            id,
        })
    }

    fn owned_by(&self, key: &str) -> bool {
        self.marker.as_ref().is_some_and(|m| m.key == key)
    }

    /// The metadata to write: what the incident has, with `marker` (or without statusctl's).
    fn metadata_with(&self, marker: Option<&Marker>) -> Value {
        let mut metadata = self.metadata.clone();
        match marker {
            Some(marker) => metadata.insert(MARKER_KEY.into(), marker.value()),
            None => metadata.remove(MARKER_KEY),
        };
        Value::Object(metadata)
    }
}

/// Oldest first: `created_at`, then id (so a tie on `created_at` has one winner everywhere).
pub fn oldest_first(incidents: &mut [Seen]) {
    incidents.sort_by(|a, b| {
        a.created.cmp(&b.created).then_with(|| a.created_at.cmp(&b.created_at)).then_with(|| a.id.cmp(&b.id))
    });
}

/// What the open incidents say about each component.
#[derive(Debug, Default)]
pub struct Board {
    /// Current status and name per component id.
    current: HashMap<String, (String, String)>,
    /// Statuses wanted by the open owned incidents of other keys, per component.
    others: HashMap<String, Vec<String>>,
    /// Components named by an open incident statusctl does not own.
    held: HashSet<String>,
    /// Components in an active maintenance.
    maintenance: HashSet<String>,
}

impl Board {
    /// From the open realtime incidents, the active maintenances and (if read) the page's
    /// components, for the key `key`.
    pub fn new(open: &[Seen], maintenances: &[Seen], listing: &[Value], key: &str) -> Self {
        let mut board = Board::default();
        for c in listing {
            let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
            board.current.insert(s("id"), (s("status"), s("name")));
        }
        for incident in open.iter().chain(maintenances) {
            for (id, name, status) in &incident.attached {
                board.current.insert(id.clone(), (status.clone(), name.clone()));
            }
        }
        for incident in open {
            match &incident.marker {
                Some(marker) if marker.key == key => {}
                Some(marker) => {
                    for (id, status) in &marker.components {
                        board.others.entry(id.clone()).or_default().push(status.clone());
                    }
                }
                None => board.held.extend(incident.attached.iter().map(|(id, _, _)| id.clone())),
            }
        }
        for m in maintenances {
            board.maintenance.extend(m.attached.iter().map(|(id, _, _)| id.clone()));
        }
        board
    }

    pub fn status(&self, id: &str) -> Option<&str> {
        self.current.get(id).map(|(s, _)| s.as_str())
    }

    pub fn name(&self, id: &str) -> Option<&str> {
        self.current.get(id).map(|(_, n)| n.as_str()).filter(|n| !n.is_empty())
    }

    pub fn held(&self, id: &str) -> bool {
        self.held.contains(id)
    }

    /// Whether a component is under maintenance (an active maintenance names it, or its
    /// status says so).
    pub fn under_maintenance(&self, id: &str) -> bool {
        self.maintenance.contains(id) || self.status(id) == Some("under_maintenance")
    }

    /// The status a component should show when this key wants `mine` of it (`None`: the key
    /// does not name it): the worst wanted over the open owned incidents; when none wants
    /// anything, operational (under maintenance during a maintenance); never lower than
    /// now while an open incident statusctl does not own names it.
    pub fn desired(&self, id: &str, mine: Option<&str>) -> String {
        let mut wanted: Option<&str> = mine;
        for status in self.others.get(id).into_iter().flatten() {
            wanted = Some(wanted.map_or(status.as_str(), |w| worse(w, status)));
        }
        let floor = if self.maintenance.contains(id) { "under_maintenance" } else { "operational" };
        let wanted = wanted.map_or(floor, |w| worse(floor, w));
        match (self.held(id), self.status(id)) {
            (true, Some(current)) => worse(wanted, current).to_string(),
            _ => wanted.to_string(),
        }
    }
}

/// The settings of one apply beyond the SDK's arguments.
pub struct Options {
    pub settle: Duration,
    pub request_id: String,
}

/// What one apply works with.
struct Apply<'a, 'c, 'h> {
    client: &'a Client<'c, 'h>,
    page: String,
    args: ApplyArgs,
    options: Options,
    /// The server's time (its `Date` header), else ours.
    now: Timestamp,
    listing: Option<Vec<Value>>,
}

/// Runs one apply.
pub fn run(client: &Client<'_, '_>, page: &str, args: ApplyArgs, options: Options) -> Result<Applied, Error> {
    if let Some(title) = &args.title {
        crate::common::title(Some(title), false)?;
    }
    if let Some(at) = &args.started_at {
        at.parse::<Timestamp>().map_err(|e| {
            Error::usage(format!("--started-at {at} is not an RFC 3339 time (2030-01-01T10:00:00Z): {e}"))
        })?;
    }
    let mut apply =
        Apply { client, page: page.to_string(), args, options, now: Timestamp::now(), listing: None };
    apply.run()
}

impl Apply<'_, '_, '_> {
    fn key(&self) -> &str {
        &self.args.key
    }

    fn notify(&self) -> bool {
        !self.args.no_notify
    }

    fn run(&mut self) -> Result<Applied, Error> {
        let (open, date) = self.unresolved()?;
        // The server's clock decides ages (its `created_at`, `resolved_at`), but its `Date`
        // has whole seconds only: ours is used unless the two disagree by more than 2 s.
        if let Some(date) = date
            && self.now.duration_since(date).abs().as_secs() > 2
        {
            self.now = date;
        }
        let mut mine: Vec<Seen> = open.iter().filter(|i| i.owned_by(self.key())).cloned().collect();
        oldest_first(&mut mine);
        if self.args.release {
            return self.release(&mine);
        }
        // Repair: one open owned incident per key; never-announced extra copies go.
        let mut deleted = Vec::new();
        if mine.len() > 1 {
            let extras: Vec<Seen> = mine.drain(1..).collect();
            for extra in extras {
                if extra.marker.as_ref().is_some_and(|m| !m.notified) {
                    self.delete(&extra.id)?;
                    deleted.push(extra.id);
                } else {
                    self.client.host().warn(format!(
                        "key {}: incident {} is an announced extra copy; left as it is (the oldest, {}, is kept)",
                        self.key(),
                        extra.id,
                        mine[0].id
                    ));
                    mine.push(extra);
                }
            }
        }
        let open: Vec<Seen> = open.into_iter().filter(|i| !deleted.contains(&i.id)).collect();
        let mut applied = match self.args.state {
            AlertState::Firing => self.firing(&open, mine.first())?,
            AlertState::Resolved => self.resolved(&open, &mine)?,
        };
        if !deleted.is_empty() {
            let note = format!("deleted never-announced copies {}", deleted.join(", "));
            applied.reason = Some(match applied.reason.take() {
                Some(reason) => format!("{reason}; {note}"),
                None => note,
            });
        }
        Ok(applied)
    }

    // ---- reads -------------------------------------------------------------------------

    /// Every open realtime incident (all pages), and the server's time.
    fn unresolved(&self) -> Result<(Vec<Seen>, Option<Timestamp>), Error> {
        let path = format!("/pages/{}/incidents/unresolved", self.page);
        let mut pager = Pager::new(PER_PAGE, None);
        let mut date = None;
        let mut items = Vec::new();
        while let Some(batch) = pager.next(|n| {
            let req = self.client.request("GET", &path).query("page", n.to_string()).query("per_page", "100");
            let resp = check(&req, self.client.send(&req)?)?;
            if date.is_none() {
                date = resp.header("date").and_then(http_date);
            }
            client::list(&req, resp.json()?)
        })? {
            items.extend(batch);
        }
        let items = pager.listed(self.client.what("GET", &path), items).whole()?;
        Ok((items.iter().filter_map(Seen::read).collect(), date))
    }

    fn active_maintenances(&self) -> Result<Vec<Seen>, Error> {
        let path = format!("/pages/{}/incidents/active_maintenance", self.page);
        let items = self.client.get_all(&path, None)?.whole()?;
        Ok(items.iter().filter_map(Seen::read).collect())
    }

    /// The key's newest owned incident among the 100 newest of the page.
    fn last_owned(&self) -> Result<Option<Seen>, Error> {
        let path = format!("/pages/{}/incidents", self.page);
        let req = self.client.request("GET", &path).query("page", "1").query("limit", PER_PAGE.to_string());
        let items = client::list(&req, self.client.json(&req)?)?;
        let mut owned: Vec<Seen> =
            items.iter().filter_map(Seen::read).filter(|i| i.owned_by(self.key())).collect();
        oldest_first(&mut owned);
        Ok(owned.pop())
    }

    fn listing(&mut self) -> Result<&[Value], Error> {
        if self.listing.is_none() {
            self.listing = Some(components::listing(self.client, &self.page)?);
        }
        Ok(self.listing.as_deref().unwrap_or_default())
    }

    /// The key's wanted statuses by component id (sorted), with the label each was given as;
    /// `Err(reason)` inside for a status Statuspage does not have.
    fn wanted(&mut self) -> Result<Result<Vec<Row>, String>, Error> {
        if let Some((name, status)) =
            self.args.components.iter().find(|(_, s)| !SEVERITY.contains(&s.as_str()))
        {
            return Ok(Err(format!(
                "unknown component status `{status}` for {name} (Statuspage has {})",
                SEVERITY.join(", ")
            )));
        }
        let labels: Vec<String> = self.args.components.iter().map(|(c, _)| c.clone()).collect();
        let ids = if labels.iter().all(|l| components::is_id(l)) {
            labels.clone()
        } else {
            let page = self.page.clone();
            components::resolve_in(self.listing()?, &page, &labels)?
        };
        let mut wanted: Vec<Row> = Vec::new();
        for ((label, status), id) in self.args.components.iter().zip(ids) {
            match wanted.iter().find(|(i, _, _)| *i == id) {
                Some((_, _, s)) if s != status => {
                    return Err(Error::usage(format!(
                        "component {id} is given two statuses: {s} and {status}"
                    )));
                }
                Some(_) => {}
                None => wanted.push((id, label.clone(), status.clone())),
            }
        }
        wanted.sort();
        Ok(Ok(wanted))
    }

    // ---- writes ------------------------------------------------------------------------

    fn patch(&self, id: &str, fields: Value, notifying: bool) -> Result<Value, Error> {
        let req = self
            .client
            .request("PATCH", &format!("/pages/{}/incidents/{id}", self.page))
            .json(&json!({ "incident": fields }))
            // A notifying write is never resent blindly: the next run sees its marker.
            .idempotent(!notifying);
        self.client.json(&req)
    }

    fn delete(&self, id: &str) -> Result<(), Error> {
        let req = self.client.request("DELETE", &format!("/pages/{}/incidents/{id}", self.page));
        let resp = self.client.send(&req)?;
        // Gone already (the other run deleted it, or a resent DELETE): done.
        if resp.status == 404 {
            return Ok(());
        }
        check(&req, resp).map(|_| ())
    }

    /// An answer that lacks the marker just written: the page does not keep metadata.
    fn kept(&self, answer: &Value, marker: Option<&Marker>) -> bool {
        let shown = Marker::of(answer);
        match marker {
            Some(marker) => shown.as_ref() == Some(marker),
            None => shown.is_none(),
        }
    }

    fn no_metadata(&self, what: &str) -> Error {
        statusctl_plugin_api::apply::no_metadata(what)
    }

    // ---- the cases ---------------------------------------------------------------------

    fn release(&self, mine: &[Seen]) -> Result<Applied, Error> {
        if mine.is_empty() {
            return Ok(Applied::new(Action::Unchanged).reason("no open incident owned for this key"));
        }
        let mut applied = Applied::new(Action::Released);
        for incident in mine {
            let fields = json!({"metadata": incident.metadata_with(None), "deliver_notifications": false});
            let answer = self.patch(&incident.id, fields, false)?;
            if !self.kept(&answer, None) {
                return Err(Error::failed(format!(
                    "PATCH incident {}: the answer still carries the statusctl marker",
                    incident.id
                )));
            }
            applied = applied.incident(incident.id.clone());
        }
        Ok(applied)
    }

    fn firing(&mut self, open: &[Seen], current: Option<&Seen>) -> Result<Applied, Error> {
        let wanted = match self.wanted()? {
            Ok(wanted) => wanted,
            Err(reason) => return Ok(Applied::new(Action::Skipped).reason(reason)),
        };
        match current {
            Some(incident) => self.converge(open, incident, &wanted),
            None => self.open_new(open, &wanted),
        }
    }

    /// The key has an open owned incident: announce it if nobody did, else write what differs.
    fn converge(&mut self, open: &[Seen], incident: &Seen, wanted: &[Row]) -> Result<Applied, Error> {
        let marker = incident.marker.clone().unwrap_or_else(|| self.marker(wanted, false));
        // A component leaving the wanted set goes back to under_maintenance during a maintenance.
        let releases = marker.components.iter().any(|(id, _)| !wanted.iter().any(|(w, _, _)| w == id));
        let maintenances = if releases { self.active_maintenances()? } else { Vec::new() };
        let board = Board::new(open, &maintenances, &[], self.key());
        if !marker.notified && !self.past_settle(incident) {
            return Ok(Applied::new(Action::Unchanged)
                .incident(incident.id.clone())
                .reason("another run is creating this key's incident (not announced yet)"));
        }
        let new_marker = Marker {
            components: wanted.iter().map(|(id, _, s)| (id.clone(), s.clone())).collect(),
            notified: true,
            ..marker.clone()
        };
        let statuses = self.statuses(&board, &marker, wanted);
        let mut differs = Vec::new();
        if let Some(title) = &self.args.title
            && *title != incident.name
        {
            differs.push("title");
        }
        if let Some(impact) = &self.args.impact
            && *impact != incident.impact
        {
            differs.push("impact");
        }
        if new_marker.components != marker.components {
            differs.push("components wanted");
        }
        if statuses.iter().any(|(id, _, status)| board.status(id) != Some(status.as_str())) {
            differs.push("component statuses");
        }
        let applied = self.result(Action::Updated, &incident.id, &board, &statuses);
        if marker.notified && differs.is_empty() {
            return Ok(Applied { action: Action::Unchanged, ..applied });
        }
        let mut fields = Map::new();
        fields.insert("status".into(), json!(incident.status));
        self.state_fields(&mut fields, &statuses);
        fields.insert("deliver_notifications".into(), json!(self.notify()));
        fields.insert("metadata".into(), incident.metadata_with(Some(&new_marker)));
        let answer = self.patch(&incident.id, Value::Object(fields), self.notify())?;
        if !self.kept(&answer, Some(&new_marker)) {
            return Err(self.no_metadata(&format!("PATCH incident {}", incident.id)));
        }
        Ok(if marker.notified {
            applied.reason(format!("changed: {}", differs.join(", ")))
        } else {
            applied.reason("announced an incident an earlier run created but never announced")
        })
    }

    /// No open owned incident: skip (a person resolved it, stale, maintenance), reopen the
    /// key's last incident, or create one.
    fn open_new(&mut self, open: &[Seen], wanted: &[Row]) -> Result<Applied, Error> {
        let last = self.last_owned()?.filter(|i| i.status == "resolved");
        let started = self.args.started_at.as_deref().and_then(|t| t.parse::<Timestamp>().ok());
        let mut reopen = None;
        if let Some(last) = &last {
            let resolved_at = last.resolved_at;
            let by_person = last.marker.as_ref().is_some_and(|m| !m.components.is_empty());
            let new_episode = matches!((started, resolved_at), (Some(s), Some(r)) if s > r);
            if by_person && !new_episode {
                return Ok(Applied::new(Action::Skipped).incident(last.id.clone()).reason(
                    "resolved by a person while the key still fires; that stands until the key resolves",
                ));
            }
            if let (Some(s), Some(r)) = (started, resolved_at)
                && s < r
            {
                return Ok(Applied::new(Action::Skipped).incident(last.id.clone()).reason(format!(
                    "stale: the alerts started at {s}, before the key's last incident was resolved ({r})"
                )));
            }
            let within = resolved_at
                .is_some_and(|r| self.now.duration_since(r).as_secs() <= self.args.reopen_within_secs);
            if within {
                reopen = Some(last.clone());
            }
        }
        let maintenances = self.active_maintenances()?;
        let listing = self.listing()?.to_vec();
        let board = Board::new(open, &maintenances, &listing, self.key());
        if !self.args.post_during_maintenance {
            let held: Vec<&str> = wanted
                .iter()
                .filter(|(id, _, _)| board.under_maintenance(id))
                .map(|(_, label, _)| label.as_str())
                .collect();
            if !held.is_empty() {
                return Ok(Applied::new(Action::Skipped).reason(format!(
                    "held: {} under maintenance (--during-maintenance post to post anyway)",
                    held.join(", ")
                )));
            }
        }
        let empty = Marker {
            key: self.key().to_string(),
            request_id: String::new(),
            components: vec![],
            notified: true,
        };
        let statuses = self.statuses(&board, &empty, wanted);
        if let Some(last) = reopen {
            let marker = Marker {
                components: wanted.iter().map(|(id, _, s)| (id.clone(), s.clone())).collect(),
                notified: true,
                ..last.marker.clone().unwrap_or(empty)
            };
            let mut fields = Map::new();
            fields.insert("status".into(), json!("investigating"));
            self.state_fields(&mut fields, &statuses);
            fields.insert("deliver_notifications".into(), json!(self.notify()));
            fields.insert("metadata".into(), last.metadata_with(Some(&marker)));
            let answer = self.patch(&last.id, Value::Object(fields), self.notify())?;
            if !self.kept(&answer, Some(&marker)) {
                return Err(self.no_metadata(&format!("PATCH incident {}", last.id)));
            }
            return Ok(self
                .result(Action::Updated, &last.id, &board, &statuses)
                .reason("reopened the key's incident resolved within --reopen-within"));
        }
        self.create(&board, wanted, &statuses)
    }

    /// The silent create, the settle, the choice of one winner and its announce.
    fn create(&mut self, board: &Board, wanted: &[Row], statuses: &[Row]) -> Result<Applied, Error> {
        let title = self.args.title.clone().ok_or_else(|| {
            Error::usage(format!("key {} has no open incident: --title is needed to create one", self.key()))
        })?;
        let marker = self.marker(wanted, false);
        let mut fields = Map::new();
        fields.insert("name".into(), json!(title));
        fields.insert("status".into(), json!("investigating"));
        if let Some(impact) = &self.args.impact {
            fields.insert("impact_override".into(), json!(impact));
        }
        if !statuses.is_empty() {
            let map: Map<String, Value> = statuses.iter().map(|(id, _, s)| (id.clone(), json!(s))).collect();
            fields.insert("components".into(), Value::Object(map));
            fields.insert(
                "component_ids".into(),
                json!(statuses.iter().map(|(id, _, _)| id).collect::<Vec<_>>()),
            );
        }
        fields.insert("deliver_notifications".into(), json!(false));
        fields.insert("metadata".into(), json!({ MARKER_KEY: marker.value() }));
        let created = create::create(
            self.client,
            &self.page,
            Value::Object(fields),
            Some(self.options.request_id.clone()),
            Listing::Unresolved,
        )?;
        let id = created.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        if !self.kept(&created, Some(&marker)) {
            self.delete(&id)?;
            return Err(self.no_metadata(&format!("POST incident (created {id}, deleted again)")));
        }
        std::thread::sleep(self.options.settle);
        let (open, _) = self.unresolved()?;
        let mut copies: Vec<Seen> = open.into_iter().filter(|i| i.owned_by(self.key())).collect();
        oldest_first(&mut copies);
        let applied = self.result(Action::Created, &id, board, statuses);
        match copies.first() {
            Some(winner) if winner.id != id => {
                self.delete(&id)?;
                return Ok(Applied {
                    action: Action::Unchanged,
                    incident_ids: vec![winner.id.clone()],
                    ..applied
                }
                .reason(format!("another run created this key's incident {} at the same time; this run's copy {id} was deleted", winner.id)));
            }
            // Ours is the oldest (or the listing does not show it yet: it is ours to announce).
            _ => {}
        }
        let announced = Marker { notified: true, ..marker };
        let mut fields = Map::new();
        fields.insert("status".into(), json!("investigating"));
        if let Some(message) = &self.args.message {
            fields.insert("body".into(), json!(message));
        }
        fields.insert("deliver_notifications".into(), json!(self.notify()));
        let seen = Seen::read(&created).unwrap_or_else(|| Seen {
            id: id.clone(),
            created_at: String::new(),
            created: None,
            status: String::new(),
            name: String::new(),
            impact: String::new(),
            resolved_at: None,
            marker: None,
            attached: vec![],
            metadata: Map::new(),
        });
        fields.insert("metadata".into(), seen.metadata_with(Some(&announced)));
        let answer = self.patch(&id, Value::Object(fields), self.notify())?;
        if !self.kept(&answer, Some(&announced)) {
            return Err(self.no_metadata(&format!("PATCH incident {id}")));
        }
        Ok(applied)
    }

    fn resolved(&mut self, open: &[Seen], mine: &[Seen]) -> Result<Applied, Error> {
        if mine.is_empty() {
            // A person resolved the key's incident while it fired: the key resolving now
            // releases its components (the marker then wants nothing).
            let Some(last) = self.last_owned()?.filter(|i| i.status == "resolved") else {
                return Ok(Applied::new(Action::Unchanged).reason("no open incident owned for this key"));
            };
            let Some(marker) = last.marker.clone().filter(|m| !m.components.is_empty()) else {
                return Ok(Applied::new(Action::Unchanged).reason("no open incident owned for this key"));
            };
            let maintenances = self.active_maintenances()?;
            let board = Board::new(open, &maintenances, &[], self.key());
            let restored = self.restored(&board, &marker);
            let released = Marker { components: vec![], ..marker };
            let mut fields = Map::new();
            if !restored.is_empty() {
                let map: Map<String, Value> =
                    restored.iter().map(|(id, _, s)| (id.clone(), json!(s))).collect();
                fields.insert("components".into(), Value::Object(map));
            }
            fields.insert("deliver_notifications".into(), json!(false));
            fields.insert("metadata".into(), last.metadata_with(Some(&released)));
            let answer = self.patch(&last.id, Value::Object(fields), false)?;
            if !self.kept(&answer, Some(&released)) {
                return Err(self.no_metadata(&format!("PATCH incident {}", last.id)));
            }
            return Ok(self
                .result(Action::Resolved, &last.id, &board, &restored)
                .reason("already resolved by a person; its components were released"));
        }
        let maintenances = self.active_maintenances()?;
        let board = Board::new(open, &maintenances, &[], self.key());
        let mut applied = Applied::new(Action::Resolved);
        for incident in mine {
            let marker = incident.marker.clone().unwrap_or_else(|| self.marker(&[], true));
            let restored = self.restored(&board, &marker);
            let released = Marker { components: vec![], ..marker.clone() };
            // An incident nobody was told about is resolved silently too.
            let notify = self.notify() && marker.notified;
            let mut fields = Map::new();
            fields.insert("status".into(), json!("resolved"));
            if !restored.is_empty() {
                let map: Map<String, Value> =
                    restored.iter().map(|(id, _, s)| (id.clone(), json!(s))).collect();
                fields.insert("components".into(), Value::Object(map));
            }
            if let Some(message) = &self.args.message {
                fields.insert("body".into(), json!(message));
            }
            fields.insert("deliver_notifications".into(), json!(notify));
            fields.insert("metadata".into(), incident.metadata_with(Some(&released)));
            let answer = self.patch(&incident.id, Value::Object(fields), notify)?;
            if !self.kept(&answer, Some(&released)) {
                return Err(self.no_metadata(&format!("PATCH incident {}", incident.id)));
            }
            let one = self.result(Action::Resolved, &incident.id, &board, &restored);
            applied.incident_ids.extend(one.incident_ids);
            applied.components.extend(one.components);
            if one.reason.is_some() {
                applied.reason = one.reason;
            }
        }
        Ok(applied)
    }

    // ---- helpers -----------------------------------------------------------------------

    fn marker(&self, wanted: &[Row], notified: bool) -> Marker {
        Marker {
            key: self.key().to_string(),
            request_id: self.options.request_id.clone(),
            components: wanted.iter().map(|(id, _, s)| (id.clone(), s.clone())).collect(),
            notified,
        }
    }

    fn past_settle(&self, incident: &Seen) -> bool {
        let window = self.options.settle + self.options.settle.max(Duration::from_secs(1));
        incident.created.is_none_or(|at| {
            self.now.duration_since(at).as_millis() > i128::try_from(window.as_millis()).unwrap_or(i128::MAX)
        })
    }

    /// The status each component should show: the wanted ones, and those `marker` named
    /// that the key no longer wants (released by the same rule). Id, label, status.
    fn statuses(&self, board: &Board, marker: &Marker, wanted: &[Row]) -> Vec<Row> {
        let mut statuses: Vec<Row> = wanted
            .iter()
            .map(|(id, label, status)| (id.clone(), label.clone(), board.desired(id, Some(status))))
            .collect();
        for (id, _) in &marker.components {
            if !wanted.iter().any(|(w, _, _)| w == id) {
                let label = board.name(id).unwrap_or(id).to_string();
                statuses.push((id.clone(), label, board.desired(id, None)));
            }
        }
        statuses
    }

    /// The components `incident` held for the key, as they should show once it lets go.
    fn restored(&self, board: &Board, marker: &Marker) -> Vec<Row> {
        marker
            .components
            .iter()
            .map(|(id, _)| {
                let label = board.name(id).unwrap_or(id).to_string();
                (id.clone(), label, board.desired(id, None))
            })
            .collect()
    }

    /// Title, impact and component statuses of an update.
    fn state_fields(&self, fields: &mut Map<String, Value>, statuses: &[Row]) {
        if let Some(title) = &self.args.title {
            fields.insert("name".into(), json!(title));
        }
        if let Some(impact) = &self.args.impact {
            fields.insert("impact_override".into(), json!(impact));
        }
        if !statuses.is_empty() {
            let map: Map<String, Value> = statuses.iter().map(|(id, _, s)| (id.clone(), json!(s))).collect();
            fields.insert("components".into(), Value::Object(map));
        }
        if let Some(message) = &self.args.message {
            fields.insert("body".into(), json!(message));
        }
    }

    /// The result: the incident, each component's status, and which ones are held.
    fn result(&self, action: Action, id: &str, board: &Board, statuses: &[Row]) -> Applied {
        let mut applied = Applied::new(action).incident(id);
        let mut held = Vec::new();
        for (id, label, status) in statuses {
            applied = applied.component(label.clone(), status.clone());
            if board.held(id) {
                held.push(label.clone());
            }
        }
        if !held.is_empty() {
            applied = applied.reason(format!(
                "held_by_other: {} (an open incident statusctl does not own names it; never lowered)",
                held.join(", ")
            ));
        }
        applied
    }
}

/// An HTTP `Date` (`Tue, 15 Nov 1994 08:12:31 GMT`).
fn http_date(text: &str) -> Option<Timestamp> {
    jiff::fmt::rfc2822::parse(text).ok().map(|zoned| zoned.timestamp())
}

/// Used by `list_incidents --owned`: whether `incident` carries statusctl's marker (for
/// `key`, when given).
pub fn owned(incident: &Value, key: Option<&str>) -> bool {
    Marker::of(incident).is_some_and(|m| key.is_none_or(|k| m.key == k))
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::{Value, json};
    use statusctl_plugin_api::testing::{Reply, TestHost};

    use super::*;
    use crate::Statuspage;

    const URL: &str = "https://api.statuspage.io/v1/pages/page1/incidents";

    fn marker(key: &str, components: &str, notified: &str) -> Value {
        json!({"key": key, "request_id": "rid-0", "components": components, "notified": notified, "v": "1"})
    }

    fn incident(
        id: &str,
        created_at: &str,
        status: &str,
        marker: Option<Value>,
        components: &[(&str, &str)],
    ) -> Value {
        let metadata = marker.map_or(json!({}), |m| json!({"statusctl": m}));
        let components: Vec<Value> = components
            .iter()
            .map(|(id, s)| json!({"id": id, "name": id.to_uppercase(), "status": s}))
            .collect();
        json!({"id": id, "name": "API down", "status": status, "impact": "critical", "created_at": created_at,
            "resolved_at": if status == "resolved" { json!("2026-01-01T10:05:00.000Z") } else { Value::Null },
            "metadata": metadata, "components": components})
    }

    fn seen(value: Value) -> Seen {
        Seen::read(&value).unwrap()
    }

    fn run(host: &TestHost, extra: &[&str]) -> Result<statusctl_plugin_api::Output, Error> {
        let mut words = vec!["-tk", "tok-secret-1", "-p", "page1", "--race-settle-ms", "0", "--key", "k1"];
        words.extend_from_slice(extra);
        host.run_on(&Statuspage::with_request_id("rid-1"), "apply_incident", &words)
    }

    #[test]
    fn the_marker_is_flat_strings_with_components_sorted_by_id() {
        let m = Marker::of(
            &json!({"metadata": {"statusctl": marker("k", "b=major_outage,a=partial_outage", "yes")}}),
        )
        .unwrap();
        assert_eq!(
            m.components,
            [("a".into(), "partial_outage".into()), ("b".into(), "major_outage".into())]
        );
        assert!(m.notified);
        assert_eq!(
            m.value(),
            json!({"key": "k", "request_id": "rid-0", "components": "a=partial_outage,b=major_outage",
                "notified": "yes", "v": "1"})
        );
        // Only a marker with a key is ownership (a plain create's request id is not).
        assert_eq!(Marker::of(&json!({"metadata": {"statusctl": {"request_id": "x"}}})), None);
        assert_eq!(parse_components(""), []);
    }

    #[test]
    fn a_component_shows_the_worst_wanted_and_is_never_lowered_while_held() {
        let open = [
            seen(incident(
                "mine00000001",
                "t",
                "investigating",
                Some(marker("k1", "api=degraded_performance", "yes")),
                &[("api", "major_outage")],
            )),
            seen(incident(
                "other0000001",
                "t",
                "investigating",
                Some(marker("k2", "api=major_outage,web=partial_outage", "yes")),
                &[("api", "major_outage"), ("web", "partial_outage")],
            )),
            seen(incident("person000001", "t", "investigating", None, &[("db", "partial_outage")])),
        ];
        let maintenance =
            [seen(incident("maint0000001", "t", "in_progress", None, &[("pay", "under_maintenance")]))];
        let board = Board::new(&open, &maintenance, &[], "k1");
        assert_eq!(board.desired("api", Some("degraded_performance")), "major_outage");
        assert_eq!(board.desired("web", None), "partial_outage");
        // Held by a person's incident: not lowered, but raised.
        assert!(board.held("db"));
        assert_eq!(board.desired("db", None), "partial_outage");
        assert_eq!(board.desired("db", Some("degraded_performance")), "partial_outage");
        assert_eq!(board.desired("db", Some("major_outage")), "major_outage");
        // Released during a maintenance: back to under_maintenance.
        assert!(board.under_maintenance("pay"));
        assert_eq!(board.desired("pay", None), "under_maintenance");
        assert_eq!(board.desired("pay", Some("major_outage")), "major_outage");
        assert_eq!(board.desired("free", None), "operational");
    }

    #[test]
    fn the_servers_date_header_is_read() {
        let at = http_date("Tue, 15 Nov 1994 08:12:31 GMT").unwrap();
        assert_eq!(at, "1994-11-15T08:12:31Z".parse::<Timestamp>().unwrap());
        assert_eq!(http_date("yesterday"), None);
    }

    #[test]
    fn the_oldest_wins_and_a_tie_on_created_at_has_one_winner() {
        let mut copies = vec![
            seen(incident("bbbbbbbbbbbb", "2026-01-01T10:00:00.500Z", "investigating", None, &[])),
            seen(incident("aaaaaaaaaaaa", "2026-01-01T10:00:00.500Z", "investigating", None, &[])),
            seen(incident("cccccccccccc", "2026-01-01T11:00:00.400+01:00", "investigating", None, &[])),
        ];
        oldest_first(&mut copies);
        let ids: Vec<&str> = copies.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["cccccccccccc", "aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
    }

    #[test]
    fn a_create_is_silent_then_announced_once_by_the_winner() {
        let sent_marker = json!({"key": "k1", "request_id": "rid-1", "components": "apicomponent=major_outage",
            "notified": "no", "v": "1"});
        let created = incident(
            "new000000001",
            "2026-01-01T10:00:00.000Z",
            "investigating",
            Some(sent_marker.clone()),
            &[("apicomponent", "major_outage")],
        );
        let mut announced = created.clone();
        announced["metadata"]["statusctl"]["notified"] = json!("yes");
        let host = TestHost::new()
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([{"id": "apicomponent", "name": "API", "status": "operational"}])))
            .reply(Reply::json(201, &created))
            .reply(Reply::json(200, &json!([created])))
            .reply(Reply::json(200, &announced));
        let out = run(
            &host,
            &["--state", "firing", "-t", "API down", "--set", "apicomponent=major_outage", "-m", "Looking"],
        )
        .unwrap();
        assert_eq!(
            out.text.as_deref(),
            Some("created key k1: incident new000000001 (apicomponent=major_outage)\n")
        );
        assert_eq!(
            host.lines(),
            [
                format!("GET {URL}/unresolved?page=1&per_page=100"),
                format!("GET {URL}?page=1&limit=100"),
                format!("GET {URL}/active_maintenance?page=1&per_page=100"),
                "GET https://api.statuspage.io/v1/pages/page1/components?page=1&per_page=100".to_string(),
                format!("POST {URL}"),
                format!("GET {URL}/unresolved?page=1&per_page=100"),
                format!("PATCH {URL}/new000000001"),
            ]
        );
        let requests = host.requests();
        let post = requests[4].json();
        assert_eq!(post["incident"]["deliver_notifications"], false);
        assert_eq!(post["incident"]["metadata"]["statusctl"], sent_marker);
        assert_eq!(post["incident"].get("body"), None);
        assert!(!requests[4].idempotent);
        let patch = requests[6].json();
        assert_eq!(patch["incident"]["deliver_notifications"], true);
        assert_eq!(patch["incident"]["body"], "Looking");
        assert_eq!(patch["incident"]["metadata"]["statusctl"]["notified"], "yes");
        // The announce is never resent blindly: a lost answer is settled by the next run.
        assert!(!requests[6].idempotent);
    }

    #[test]
    fn a_repeat_reads_once_and_writes_nothing() {
        let open = incident(
            "mine00000001",
            "2026-01-01T10:00:00.000Z",
            "identified",
            Some(marker("k1", "apicomponent=major_outage", "yes")),
            &[("apicomponent", "major_outage")],
        );
        let host = TestHost::new().reply(Reply::json(200, &json!([open])));
        let out = run(
            &host,
            &["--state", "firing", "--set", "apicomponent=major_outage", "-m", "new words", "-t", "API down"],
        )
        .unwrap();
        assert_eq!(out.data["action"], "unchanged");
        assert_eq!(host.lines().len(), 1);
    }

    #[test]
    fn a_losing_copy_is_deleted_and_the_winner_left_to_its_run() {
        let ours = incident(
            "ours00000001",
            "2026-01-01T10:00:00.010Z",
            "investigating",
            Some(json!({"key": "k1", "request_id": "rid-1", "components": "", "notified": "no", "v": "1"})),
            &[],
        );
        let theirs = incident(
            "their0000001",
            "2026-01-01T10:00:00.010Z",
            "investigating",
            Some(marker("k1", "", "no")),
            &[],
        );
        let mut announced = ours.clone();
        announced["metadata"]["statusctl"]["notified"] = json!("yes");
        let host = TestHost::new()
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(201, &ours))
            .reply(Reply::json(200, &json!([ours, theirs])))
            .reply(Reply::json(200, &announced));
        let out = run(&host, &["--state", "firing", "-t", "API down"]).unwrap();
        assert_eq!(out.data["action"], "created");
        assert_eq!(out.data["incident_ids"], json!(["ours00000001"]), "same created_at: the smaller id wins");
        // Ours won on the id; now the other way round.
        let ours = incident(
            "zzzz00000001",
            "2026-01-01T10:00:00.010Z",
            "investigating",
            Some(json!({"key": "k1", "request_id": "rid-1", "components": "", "notified": "no", "v": "1"})),
            &[],
        );
        let theirs = incident(
            "their0000001",
            "2026-01-01T10:00:00.010Z",
            "investigating",
            Some(marker("k1", "", "no")),
            &[],
        );
        let host = TestHost::new()
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(201, &ours))
            .reply(Reply::json(200, &json!([ours, theirs])))
            .reply(Reply::json(200, &ours));
        let out = run(&host, &["--state", "firing", "-t", "API down"]).unwrap();
        assert_eq!(
            (out.data["action"].clone(), out.data["incident_ids"].clone()),
            (json!("unchanged"), json!(["their0000001"]))
        );
        assert_eq!(host.lines().last().unwrap(), &format!("DELETE {URL}/zzzz00000001"));
    }

    #[test]
    fn a_page_that_drops_metadata_gets_its_silent_copy_deleted_and_exit_4() {
        let bare = incident("bare00000001", "2026-01-01T10:00:00.000Z", "investigating", None, &[]);
        let host = TestHost::new()
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(201, &bare))
            .reply(Reply::json(200, &bare));
        let err = run(&host, &["--state", "firing", "-t", "API down"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.starts_with("this page does not keep metadata"), "{}", err.message);
        assert_eq!(host.lines().last().unwrap(), &format!("DELETE {URL}/bare00000001"));
    }

    #[test]
    fn a_person_resolving_stands_and_a_stale_firing_is_skipped() {
        let by_person = incident(
            "mine00000001",
            "2026-01-01T10:00:00.000Z",
            "resolved",
            Some(marker("k1", "apicomponent=major_outage", "yes")),
            &[("apicomponent", "operational")],
        );
        let host =
            TestHost::new().reply(Reply::json(200, &json!([]))).reply(Reply::json(200, &json!([by_person])));
        let out = run(&host, &["--state", "firing", "-t", "API down"]).unwrap();
        assert_eq!(out.data["action"], "skipped");
        assert!(out.data["reason"].as_str().unwrap().starts_with("resolved by a person"));
        let by_statusctl = incident(
            "mine00000001",
            "2026-01-01T10:00:00.000Z",
            "resolved",
            Some(marker("k1", "", "yes")),
            &[],
        );
        let host = TestHost::new()
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!([by_statusctl])));
        let out =
            run(&host, &["--state", "firing", "-t", "API down", "--started-at", "2026-01-01T10:01:00Z"])
                .unwrap();
        assert_eq!(out.data["action"], "skipped");
        assert!(out.data["reason"].as_str().unwrap().starts_with("stale"));
        let host = TestHost::new();
        let err = run(&host, &["--state", "firing", "--started-at", "yesterday"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
    }
}
