//! Reports over HTTP: the /reports page (filters, every table with its CSV download, charts drawn on the
//! server as SVG by plotters, readable and printable without JavaScript), each table as CSV at
//! `/reports/csv/{table}`, and each section as JSON at `/api/reports/{section}`. Analysts and ops. Depends
//! on `app::reports` and the page plumbing in `pages`.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::i18n::{self, Msg};
use super::openapi::ErrorBody;
use super::pages::{PageContext, render};
use super::{AppState, WebError};
use crate::app::reports::{self as use_case, REPORT_ROLES};
use crate::domain::{Channel, Iata, Network};
use crate::reports::uplift::{self, Uplift};
use crate::reports::{
    Deadlines, Distribution, Funnel, Matching, Report, ReportFilter, TABLES, Table,
};

/// The longest period one report covers.
const MAX_DAYS: i64 = 400;
/// The period when none is given: four weeks to today.
const DEFAULT_DAYS: i64 = 27;
/// The uplift report's period when none is given: a quarter, ending `days` before today.
const UPLIFT_DEFAULT_DAYS: i64 = 89;

/// A report's filters as sent, each optional and checked with a message naming it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First local date (YYYY-MM-DD); four weeks before `to` when not given.
    pub from: Option<String>,
    /// Last local date, included (YYYY-MM-DD); today when not given.
    pub to: Option<String>,
    /// A station's IATA code.
    pub station: Option<String>,
    /// A desk: the persons' language (ISO 639-1, `es`), or `unknown`.
    pub desk: Option<String>,
    /// A rule's id.
    pub rule: Option<String>,
    /// `gate`, `cabin` or `social`.
    pub channel: Option<String>,
    /// The network of a social task's first message (`x`, `whatsapp`…).
    pub network: Option<String>,
    /// The uplift report only: how many days after the flight outcomes are looked for (1 to 365, 30 when
    /// not given). Its period, when no dates are given, is the quarter ending that many days ago.
    pub days: Option<String>,
}

fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn date(name: &str, value: &Option<String>) -> Result<Option<NaiveDate>, String> {
    filled(value)
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| format!("{name}: {v:?} is not a date (2026-11-22)"))
        })
        .transpose()
}

impl ReportParams {
    /// The report's filter, or what is wrong with a field.
    pub fn filter(&self, today: NaiveDate) -> Result<ReportFilter, String> {
        let to = date("to", &self.to)?.unwrap_or(today);
        let from = date("from", &self.from)?.unwrap_or(to - Duration::days(DEFAULT_DAYS));
        if from > to {
            return Err(format!("from: {from} is after to ({to})"));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(format!(
                "from: a report covers at most {MAX_DAYS} days; {from} to {to} is longer"
            ));
        }
        let station = filled(&self.station)
            .map(|s| {
                Iata::parse(s)
                    .map(|c| c.to_string())
                    .map_err(|_| format!("station: {s:?} is not an IATA airport code (MAD)"))
            })
            .transpose()?;
        let desk = filled(&self.desk)
            .map(|d| {
                let d = d.to_ascii_lowercase();
                if d == "unknown" || (d.len() == 2 && d.bytes().all(|b| b.is_ascii_lowercase())) {
                    Ok(d)
                } else {
                    Err(format!(
                        "desk: {d:?} is not a language code (es, en) or \"unknown\""
                    ))
                }
            })
            .transpose()?;
        let rule = filled(&self.rule)
            .map(|r| {
                if r.len() <= 100
                    && r.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
                {
                    Ok(r.to_string())
                } else {
                    Err(format!("rule: {r:?} is not a rule id"))
                }
            })
            .transpose()?;
        let channel = filled(&self.channel)
            .map(|c| c.parse::<Channel>().map_err(|e| format!("channel: {e}")))
            .transpose()?;
        let network = filled(&self.network)
            .map(|n| n.parse::<Network>().map_err(|e| format!("network: {e}")))
            .transpose()?;
        Ok(ReportFilter {
            from,
            to,
            station,
            desk,
            rule,
            channel,
            network,
        })
    }
}

impl ReportParams {
    /// The uplift report's window after the flight, in days.
    pub fn days(&self) -> Result<i64, String> {
        filled(&self.days)
            .map(|d| match d.parse::<i64>() {
                Ok(days) if (1..=365).contains(&days) => Ok(days),
                _ => Err(format!("days: {d:?} is not a number of days from 1 to 365")),
            })
            .transpose()
            .map(|d| d.unwrap_or(uplift::DEFAULT_DAYS))
    }
}

fn bad_request(error: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(ErrorBody { error })).into_response()
}

/// The report the parameters ask for, or the answer that says what is wrong with them.
async fn report_for(
    state: &AppState,
    staff: &Staff,
    params: &ReportParams,
) -> Result<Result<Report, String>, WebError> {
    staff.require_role(REPORT_ROLES)?;
    let now = crate::clock::now();
    let filter = match params.filter(now.date_naive()) {
        Ok(filter) => filter,
        Err(error) => return Ok(Err(error)),
    };
    Ok(Ok(use_case::report(
        state.store.as_ref(),
        &staff.caller(),
        &filter,
        now,
    )
    .await?))
}

/// One section of a report, with the filter it was computed for.
#[derive(Serialize, ToSchema)]
pub struct Section<T: ToSchema> {
    #[schema(value_type = Object)]
    pub filter: ReportFilter,
    pub report: T,
}

macro_rules! section_endpoint {
    ($name:ident, $path:literal, $type:ty, $field:ident, $what:literal) => {
        #[doc = $what]
        #[utoipa::path(
            get,
            path = $path,
            tag = "reports",
            description = concat!($what, " Dates are each station's local dates. Roles: ops, analyst"),
            params(ReportParams),
            responses(
                (status = OK, description = $what, body = Section<$type>),
                (status = BAD_REQUEST, description = "A filter that cannot be read, named with why", body = ErrorBody),
            )
        )]
        pub async fn $name(
            State(state): State<AppState>,
            staff: Staff,
            Query(params): Query<ReportParams>,
        ) -> Result<Response, WebError> {
            Ok(match report_for(&state, &staff, &params).await? {
                Ok(report) => Json(Section {
                    filter: report.filter,
                    report: report.$field,
                })
                .into_response(),
                Err(error) => bad_request(error),
            })
        }
    };
}

section_endpoint!(
    funnel,
    "/api/reports/funnel",
    Funnel,
    funnel,
    "The funnel: linked passengers boarded, tasks by channel, their outcomes, new issues raised."
);
section_endpoint!(
    latency,
    "/api/reports/latency",
    Vec<Distribution>,
    latency,
    "Latency of the gate and social steps: median, p90, p99 (seconds) and a histogram."
);
section_endpoint!(
    deadlines,
    "/api/reports/deadlines",
    Deadlines,
    deadlines,
    "Deadlines met, missed and escalated by station, desk and local hour due."
);
section_endpoint!(
    matching,
    "/api/reports/matching",
    Matching,
    matching,
    "Identity links made by the matcher, confirmed and rejected in review, and the review queue's age."
);

/// A table as CSV, RFC 4180.
fn csv_of(table: &Table) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&table.headers)?;
    for row in &table.rows {
        writer.write_record(row)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[derive(Template)]
#[template(path = "ambassadors.html")]
struct AmbassadorsPage {
    page: PageContext,
    names: bool,
    candidates: Vec<crate::store::AmbassadorCandidate>,
}

/// GET /reports/ambassadors — persons whose follow-ups ended well at least twice, with no open case and
/// never opted out, widest reach first; `?csv` downloads them. Analysts see registry ids, not names.
pub async fn ambassadors(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, WebError> {
    let candidates = use_case::ambassadors(state.store.as_ref(), &staff.caller()).await?;
    let names = staff.role() != crate::domain::Role::Analyst;
    if query.contains_key("csv") {
        let table = Table {
            name: "ambassadors",
            headers: if names {
                vec!["external_id", "name", "language", "all_well", "reach"]
            } else {
                vec!["external_id", "language", "all_well", "reach"]
            },
            rows: candidates
                .iter()
                .map(|c| {
                    let mut row = vec![c.external_id.clone()];
                    if names {
                        row.push(c.display_name.clone());
                    }
                    row.extend([
                        c.language.clone().unwrap_or_default(),
                        c.all_well.to_string(),
                        c.reach.to_string(),
                    ]);
                    row
                })
                .collect(),
        };
        let body = csv_of(&table).map_err(|e| {
            tracing::error!(error = %e, "the ambassador list failed to write as CSV");
            WebError::Busy
        })?;
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"aboard-ambassadors.csv\"",
                ),
            ],
            body,
        )
            .into_response());
    }
    let template = AmbassadorsPage {
        page: PageContext::for_staff(&staff),
        names,
        candidates,
    };
    Ok(render(StatusCode::OK, &template))
}

/// GET /reports/csv/{table} — one table of the report the query asks for, as a CSV download.
pub async fn csv_download(
    State(state): State<AppState>,
    staff: Staff,
    Path(name): Path<String>,
    Query(params): Query<ReportParams>,
) -> Result<Response, WebError> {
    let report = match report_for(&state, &staff, &params).await? {
        Ok(report) => report,
        Err(error) => return Ok((StatusCode::BAD_REQUEST, error).into_response()),
    };
    let Some(table) = report.table(&name) else {
        return Err(WebError::NotFound(format!("report table {name}")));
    };
    let body = csv_of(&table).map_err(|e| {
        tracing::error!(error = %e, "a report table failed to write as CSV");
        WebError::Busy
    })?;
    let file = format!(
        "attachment; filename=\"aboard-{}-{}-{}.csv\"",
        table.name, report.filter.from, report.filter.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        body,
    )
        .into_response())
}

const MET: RGBColor = RGBColor(46, 125, 50);
const MISSED: RGBColor = RGBColor(198, 40, 40);
const BARS: RGBColor = RGBColor(21, 101, 192);

/// A bar chart as SVG: one group of bars per label, one bar per series, values on a scale from zero.
fn bar_chart(title: &str, labels: &[String], series: &[(&str, Vec<i64>, RGBColor)]) -> String {
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::with_string(&mut svg, (720, 300)).into_drawing_area();
        root.fill(&WHITE)?;
        let most = series
            .iter()
            .flat_map(|s| s.1.iter())
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        // Whole numbers on the scale, with room above the tallest bar.
        let top = most + most / 10 + 1;
        let n = labels.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..n, 0i64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .light_line_style(WHITE)
            .draw()?;
        let width = 0.8 / series.len().max(1) as f64;
        for (k, (name, values, color)) in series.iter().enumerate() {
            let color = *color;
            chart
                .draw_series(values.iter().enumerate().map(|(i, v)| {
                    let left = i as f64 + 0.1 + k as f64 * width;
                    Rectangle::new([(left, 0), (left + width, *v)], color.filled())
                }))?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()?;
        }
        let style = TextStyle::from(("sans-serif", 12).into_font()).pos(
            plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            ),
        );
        for (i, label) in labels.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0));
            root.draw(&Text::new(label.clone(), (x, y + 6), style.clone()))?;
        }
        root.present()?;
        Ok(())
    })();
    if let Err(e) = drawn {
        tracing::error!(error = %e, "a report chart failed to draw");
        return String::new();
    }
    svg
}

struct Chart {
    title: String,
    svg: String,
}

fn charts(report: &Report, language: crate::domain::UiLanguage) -> Vec<Chart> {
    let f = &report.funnel;
    let mut charts = vec![Chart {
        title: Msg::ReportFunnel.text(language).to_string(),
        svg: bar_chart(
            Msg::ReportFunnel.text(language),
            &[
                "boarded",
                "gate",
                "cabin",
                "social",
                "reached",
                "not found",
                "refused",
                "expired",
                "cancelled",
                "new issue",
            ]
            .map(|word| i18n::report_word(word, language).to_string()),
            &[(
                "",
                vec![
                    f.boarded_linked,
                    f.tasks_gate,
                    f.tasks_cabin,
                    f.tasks_social,
                    f.reached,
                    f.not_found,
                    f.refused,
                    f.expired,
                    f.cancelled,
                    f.new_issue,
                ],
                BARS,
            )],
        ),
    }];
    let hours = &report.deadlines.by_hour;
    charts.push(Chart {
        title: Msg::ReportDeadlinesByHour.text(language).to_string(),
        svg: bar_chart(
            Msg::ReportDeadlinesByHour.text(language),
            &hours.iter().map(|r| r.key.clone()).collect::<Vec<_>>(),
            &[
                (
                    i18n::report_word("met", language),
                    hours.iter().map(|r| r.met).collect(),
                    MET,
                ),
                (
                    i18n::report_word("missed", language),
                    hours.iter().map(|r| r.missed).collect(),
                    MISSED,
                ),
            ],
        ),
    });
    for d in &report.latency {
        charts.push(Chart {
            title: i18n::report_word(d.step, language).to_string(),
            svg: bar_chart(
                i18n::report_word(d.step, language),
                &d.histogram
                    .iter()
                    .map(|b| b.label.clone())
                    .collect::<Vec<_>>(),
                &[("", d.histogram.iter().map(|b| b.count).collect(), BARS)],
            ),
        });
    }
    charts
}

/// A table as the page shows it: its column names and the words of its first column (stages, steps,
/// measures) in the reader's language; the CSV download keeps them in English, as scripts read them.
fn in_language(mut table: Table, language: crate::domain::UiLanguage) -> Table {
    for header in &mut table.headers {
        *header = i18n::report_word(header, language);
    }
    for row in &mut table.rows {
        if let Some(first) = row.first_mut() {
            *first = i18n::report_word(first, language).to_string();
        }
    }
    table
}

struct ShownTable {
    table: Table,
    title: &'static str,
    csv_href: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    page: PageContext,
    /// The filters as sent, to fill the form again.
    filters: [(&'static str, String); 7],
    error: Option<String>,
    period: String,
    tables: Vec<ShownTable>,
    charts: Vec<Chart>,
}

/// GET /reports — every table of the report with its CSV download, and charts drawn on the server.
pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<ReportParams>,
) -> Result<Response, WebError> {
    let outcome = report_for(&state, &staff, &params).await?;
    let language = staff.ui_language;
    let query: Vec<(&str, &str)> = [
        ("from", &params.from),
        ("to", &params.to),
        ("station", &params.station),
        ("desk", &params.desk),
        ("rule", &params.rule),
        ("channel", &params.channel),
        ("network", &params.network),
    ]
    .into_iter()
    .filter_map(|(name, value)| filled(value).map(|v| (name, v)))
    .collect();
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    let (status, error, period, tables, charts) = match outcome {
        Err(error) => (
            StatusCode::BAD_REQUEST,
            Some(error),
            String::new(),
            Vec::new(),
            Vec::new(),
        ),
        Ok(report) => {
            let tables = TABLES
                .iter()
                .filter_map(|name| report.table(name))
                .map(|table| ShownTable {
                    title: Msg::report_table(table.name).text(language),
                    csv_href: format!("/reports/csv/{}?{query}", table.name),
                    table: in_language(table, language),
                })
                .collect();
            (
                StatusCode::OK,
                None,
                format!("{} – {}", report.filter.from, report.filter.to),
                tables,
                charts(&report, language),
            )
        }
    };
    let filters = [
        ("from", &params.from),
        ("to", &params.to),
        ("station", &params.station),
        ("desk", &params.desk),
        ("rule", &params.rule),
        ("channel", &params.channel),
        ("network", &params.network),
    ]
    .map(|(name, value)| (name, value.clone().unwrap_or_default()));
    let template = ReportsPage {
        page: PageContext::for_staff(&staff),
        filters,
        error,
        period,
        tables,
        charts,
    };
    Ok(render(status, &template))
}

/// The uplift report the parameters ask for, or what is wrong with them.
async fn uplift_for(
    state: &AppState,
    staff: &Staff,
    params: &ReportParams,
) -> Result<Result<(ReportFilter, Uplift), String>, WebError> {
    staff.require_role(REPORT_ROLES)?;
    let now = crate::clock::now();
    let asked = params.days().and_then(|days| {
        // Unless dates are given: the quarter of flights whose outcomes can be known by now.
        let mut filter = params.filter(now.date_naive() - Duration::days(days))?;
        if filled(&params.from).is_none() && filled(&params.to).is_none() {
            filter.from = filter.to - Duration::days(UPLIFT_DEFAULT_DAYS);
        }
        Ok((filter, days))
    });
    let (filter, days) = match asked {
        Ok(asked) => asked,
        Err(error) => return Ok(Err(error)),
    };
    let uplift =
        use_case::uplift(state.store.as_ref(), &staff.caller(), &filter, days, now).await?;
    Ok(Ok((filter, uplift)))
}

/// Treated against held-out passengers (the holdout group) on what happened in the days after their flight.
#[utoipa::path(
    get,
    path = "/api/reports/uplift",
    tag = "reports",
    description = "Treated against held-out passengers (the holdout group) of the period's flights: a new \
        complaint case in the registry, activity about the airline in a later registry export, and a later \
        flight in the manifests, within `days` after the flight; per outcome the difference (treated minus \
        held out) with its 95% interval (Newcombe), and a verdict in words, which says when the groups are \
        too small to tell. Dates are the flights' local dates. Roles: ops, analyst",
    params(ReportParams),
    responses(
        (status = OK, description = "The comparison", body = Section<Uplift>),
        (status = BAD_REQUEST, description = "A filter that cannot be read, named with why", body = ErrorBody),
    )
)]
pub async fn uplift(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<ReportParams>,
) -> Result<Response, WebError> {
    Ok(match uplift_for(&state, &staff, &params).await? {
        Ok((filter, report)) => Json(Section { filter, report }).into_response(),
        Err(error) => bad_request(error),
    })
}

struct ShownOutcome {
    title: &'static str,
    comparison: uplift::OutcomeComparison,
}

impl ShownOutcome {
    fn rate(p: &uplift::Proportion) -> String {
        match p.rate {
            Some(rate) => format!(
                "{:.1}% ({} / {})",
                rate * 100.0,
                p.with_outcome,
                p.passengers
            ),
            None => "–".to_string(),
        }
    }

    fn treated(&self) -> String {
        Self::rate(&self.comparison.treated)
    }

    fn held_out(&self) -> String {
        Self::rate(&self.comparison.held_out)
    }

    fn difference(&self) -> String {
        let c = &self.comparison;
        match (c.difference, c.low, c.high) {
            (Some(d), Some(l), Some(h)) => {
                format!("{:+.1} ({:+.1} … {:+.1})", d * 100.0, l * 100.0, h * 100.0)
            }
            _ => "–".to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "uplift.html")]
struct UpliftPage {
    page: PageContext,
    filters: [(&'static str, String); 6],
    error: Option<String>,
    period: String,
    csv_href: String,
    groups: Option<(i64, i64, i64)>,
    days: i64,
    outcomes: Vec<ShownOutcome>,
}

/// GET /reports/uplift — the uplift report, as a page or (`?csv`) a CSV download.
pub async fn uplift_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<ReportParams>,
    Query(flags): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, WebError> {
    let outcome = uplift_for(&state, &staff, &params).await?;
    if flags.contains_key("csv") {
        let (filter, report) = match outcome {
            Ok(asked) => asked,
            Err(error) => return Ok((StatusCode::BAD_REQUEST, error).into_response()),
        };
        let body = csv_of(&report.table()).map_err(|e| {
            tracing::error!(error = %e, "the uplift report failed to write as CSV");
            WebError::Busy
        })?;
        let file = format!(
            "attachment; filename=\"aboard-uplift-{}-{}.csv\"",
            filter.from, filter.to
        );
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, file),
            ],
            body,
        )
            .into_response());
    }
    let asked = [
        ("from", &params.from),
        ("to", &params.to),
        ("station", &params.station),
        ("desk", &params.desk),
        ("rule", &params.rule),
        ("channel", &params.channel),
        ("days", &params.days),
    ];
    let mut query: Vec<(&str, &str)> = asked
        .iter()
        .filter_map(|(name, value)| filled(value).map(|v| (*name, v)))
        .collect();
    query.push(("csv", ""));
    let csv_href = format!(
        "/reports/uplift?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    );
    let filters = [
        ("from", &params.from),
        ("to", &params.to),
        ("station", &params.station),
        ("desk", &params.desk),
        ("rule", &params.rule),
        ("channel", &params.channel),
    ]
    .map(|(name, value)| (name, value.clone().unwrap_or_default()));
    let language = staff.ui_language;
    let template = match outcome {
        Err(error) => UpliftPage {
            page: PageContext::for_staff(&staff),
            filters,
            error: Some(error),
            period: String::new(),
            csv_href,
            groups: None,
            days: params.days().unwrap_or(uplift::DEFAULT_DAYS),
            outcomes: Vec::new(),
        },
        Ok((filter, report)) => UpliftPage {
            page: PageContext::for_staff(&staff),
            filters,
            error: None,
            period: format!("{} – {}", filter.from, filter.to),
            csv_href,
            groups: Some((report.treated, report.held_out, report.exempt)),
            days: report.days,
            outcomes: report
                .outcomes
                .into_iter()
                .map(|comparison| ShownOutcome {
                    title: match comparison.outcome {
                        "new_case" => Msg::OutcomeNewCase,
                        "active" => Msg::OutcomeActive,
                        _ => Msg::OutcomeFlewAgain,
                    }
                    .text(language),
                    comparison,
                })
                .collect(),
        },
    };
    let status = if template.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render(status, &template))
}
