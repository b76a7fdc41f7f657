//! Match review for advisors and ops: GET /review lists the identity links the matcher was unsure of, the
//! soonest flights first, each with the manifest passenger and the registry person side by side, what
//! agrees and what conflicts, and the matcher's reasons; POST /review/{passenger_id}/{person_id} decides
//! one (htmx swaps the case for its result; without htmx the list comes back). GET /api/links/review is
//! the same list as JSON, and POST /api/links/{passenger_id}/{person_id} (in `registry`) decides through
//! `decide_as` too, so every surface checks the same roles and scope and remembers the decision the same
//! way (`app::review`).
//!
//! Who may see and decide what (advisors in their languages, ops everything) is `app::review`'s.

use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Staff;
use super::i18n::{self, Msg};
use super::pages::{PageContext, error_page, render};
use super::{AppState, WebError};
use crate::app::review::{self, Comparison, ReviewCase, ReviewDecision};
use crate::clock;
use crate::domain::records::IdentityLink;
use crate::domain::{Iata, UiLanguage};

/// The most cases one list shows; deciding them brings the next ones up.
const REVIEW_LIMIT: usize = 200;

/// The cases the caller may review, most urgent first.
async fn cases_for(state: &AppState, staff: &Staff) -> Result<Vec<ReviewCase>, WebError> {
    let caller = staff.caller();
    review::cases_for(state.store.as_ref(), &caller, clock::now(), REVIEW_LIMIT)
        .await
        .map_err(|e| staff.refused(e))
}

/// Decides a link as the caller, after the same role and scope checks as the list.
pub async fn decide_as(
    state: &AppState,
    staff: &Staff,
    passenger_id: Uuid,
    person_id: Uuid,
    decision: ReviewDecision,
) -> Result<IdentityLink, WebError> {
    let caller = staff.caller();
    let at = clock::now();
    review::decide_as(
        state.store.as_ref(),
        &caller,
        (passenger_id, person_id),
        decision,
        at,
    )
    .await
    .map_err(|e| staff.refused(e))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReviewList {
    cases: Vec<ReviewCase>,
}

/// The cases of the review page, as JSON.
#[utoipa::path(
    get,
    path = "/api/links/review",
    tag = "registry",
    description = "Identity links waiting for a person's review, the soonest departure first. Roles: advisor \
        (persons in its languages), ops",
    responses((status = OK, description = "The cases to review", body = ReviewList))
)]
pub async fn api_list(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<ReviewList>, WebError> {
    Ok(Json(ReviewList {
        cases: cases_for(&state, &staff).await?,
    }))
}

// ----- the page -----

/// One line of the side-by-side comparison.
struct EvidenceRow {
    label: &'static str,
    passenger: String,
    person: String,
    /// `agrees`, `conflicts`, `differs`, `missing`, or "" for a line that is only shown.
    class: &'static str,
    /// The comparison in words, so that it does not rest on colour alone.
    mark: &'static str,
}

struct CaseView {
    passenger_id: Uuid,
    person_id: Uuid,
    flight: String,
    route: String,
    departure: String,
    status: &'static str,
    status_word: &'static str,
    gate: String,
    score: String,
    rows: Vec<EvidenceRow>,
    reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    page: PageContext,
    cases: Vec<CaseView>,
    full: bool,
    limit: usize,
}

#[derive(Template)]
#[template(path = "review_done.html")]
struct DoneFragment {
    page: PageContext,
    passenger_id: Uuid,
    person_id: Uuid,
    confirmed: bool,
    passenger: String,
    person: String,
}

fn comparison(c: Comparison, language: UiLanguage) -> (&'static str, &'static str) {
    match c {
        Comparison::Agrees => ("agrees", Msg::EvidenceAgrees.text(language)),
        Comparison::Conflicts => ("conflicts", Msg::EvidenceConflicts.text(language)),
        Comparison::Differs => ("differs", Msg::EvidenceDiffers.text(language)),
        Comparison::Missing => ("missing", ""),
    }
}

fn or_dash(value: Option<String>) -> String {
    value
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "–".to_string())
}

fn joined(values: &[String]) -> String {
    or_dash(Some(values.join(", ")))
}

fn case_view(case: ReviewCase, language: UiLanguage) -> CaseView {
    let row = |label: Msg, passenger: String, person: String, c: Option<Comparison>| {
        let (class, mark) = c.map_or(("", ""), |c| comparison(c, language));
        EvidenceRow {
            label: label.text(language),
            passenger,
            person,
            class,
            mark,
        }
    };
    let p = &case.passenger;
    let q = &case.person;
    let e = &case.evidence;
    let mut rows = vec![row(
        Msg::Name,
        p.booking_name.clone(),
        q.display_name.clone(),
        None,
    )];
    if let Some(docs) = &p.docs_name {
        rows.push(row(Msg::PassportName, docs.clone(), String::new(), None));
    }
    rows.extend([
        row(
            Msg::DateOfBirth,
            or_dash(p.date_of_birth.map(|d| d.to_string())),
            or_dash(q.date_of_birth.map(|d| d.to_string())),
            Some(e.date_of_birth),
        ),
        row(
            Msg::FrequentFlyer,
            or_dash(p.frequent_flyer.clone()),
            joined(&q.loyalty),
            Some(e.frequent_flyer),
        ),
        row(
            Msg::Email,
            or_dash(p.email.clone()),
            joined(&q.emails),
            Some(e.email),
        ),
        row(
            Msg::Phone,
            or_dash(p.phone.clone()),
            joined(&q.phones),
            Some(e.phone),
        ),
        row(
            Msg::BookingAndSeat,
            format!(
                "{} · {}",
                or_dash(p.locator.clone()),
                or_dash(p.seat.clone())
            ),
            q.external_id.clone(),
            None,
        ),
        row(
            Msg::CountryAndLanguage,
            or_dash(p.nationality.clone()),
            format!(
                "{} · {}",
                or_dash(q.country.clone()),
                or_dash(q.language.clone())
            ),
            None,
        ),
    ]);
    let f = &case.flight;
    let origin = Iata::parse(&f.origin).ok();
    let departure = match (f.departure, &origin) {
        (Some(t), Some(origin)) => i18n::local_date_time(t, origin),
        (Some(t), None) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        (None, _) => format!("{} · {}", f.local_date, Msg::TimeNotKnown.text(language)),
    };
    CaseView {
        passenger_id: p.id,
        person_id: q.id,
        flight: f.flight.clone(),
        route: format!("{} → {}", f.origin, or_dash(f.destination.clone())),
        departure,
        status: i18n::flight_status_name(f.status, language),
        status_word: f.status.as_str(),
        gate: f.gate.clone().unwrap_or_default(),
        score: format!("{:.1}", case.score),
        rows,
        reasons: case
            .reasons
            .iter()
            .map(|r| r.describe_in(language))
            .collect(),
    }
}

/// GET /review
pub async fn page(State(state): State<AppState>, staff: Staff) -> Result<Response, WebError> {
    let cases = cases_for(&state, &staff).await?;
    let template = ReviewPage {
        page: PageContext::for_staff(&staff),
        full: cases.len() >= REVIEW_LIMIT,
        limit: REVIEW_LIMIT,
        cases: cases
            .into_iter()
            .map(|c| case_view(c, staff.ui_language))
            .collect(),
    };
    Ok(render(StatusCode::OK, &template))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
}

fn not_found(staff: &Staff) -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        staff.ui_language,
        Msg::NotFound,
        Msg::NotFoundText,
    )
}

/// POST /review/{passenger_id}/{person_id} with `decision=confirm|reject`: from the list (htmx swaps the
/// case for what was decided) or from a browser without scripts (back to the list).
pub async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path((passenger_id, person_id)): Path<(String, String)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let (Ok(passenger_id), Ok(person_id)) = (passenger_id.parse(), person_id.parse()) else {
        return Ok(not_found(&staff));
    };
    let Some(decision) = ReviewDecision::parse(&form.decision) else {
        return Ok(error_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            staff.ui_language,
            Msg::DecisionRefused,
            Msg::DecisionRefusedText,
        ));
    };
    match decide_as(&state, &staff, passenger_id, person_id, decision).await {
        Ok(_) => {}
        Err(WebError::NotFound(_)) => return Ok(not_found(&staff)),
        Err(e) => return Err(e),
    }
    if !headers.contains_key("hx-request") {
        return Ok(Redirect::to("/review").into_response());
    }
    let passenger = state.store.passenger(passenger_id).await?;
    let person = state.store.person(person_id).await?;
    let fragment = DoneFragment {
        page: PageContext::for_staff(&staff),
        passenger_id,
        person_id,
        confirmed: decision == ReviewDecision::Confirm,
        passenger: passenger
            .map(|p| format!("{}/{}", p.details.surname, p.details.given_name))
            .unwrap_or_default(),
        person: person
            .map(|p| format!("{} ({})", p.record.display_name, p.record.external_id))
            .unwrap_or_default(),
    };
    Ok(render(StatusCode::OK, &fragment))
}
