//! The staff interface's words, and times shown in an airport's local time.
//!
//! Every string a page shows is a `Msg` variant, whose text is the message of the same name in kebab
//! case in each language's Fluent file (`Msg::SignIn` is `sign-in` in `locales/*.ftl`, read by
//! `crate::i18n`). To add a string: add a variant, add its line to every file in `locales/` (the tests
//! refuse a variant English lacks, and a file that lacks one of English's ids), and write
//! `{{ page.t(Msg::YourKey) }}` in the template.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::airports;
use crate::domain::{Channel, FlightStatus, Iata, Role, TaskState, UiLanguage};
use crate::i18n;
use crate::scheduler::Unavailable;

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "kebab-case")]
pub enum Msg {
    SkipToContent,
    Home,
    SignIn,
    SignOut,
    Login,
    Password,
    WrongCredentials,
    TooManySignins,
    FormExpired,
    SignedInAs,
    Role,
    Stations,
    Languages,
    YourPages,
    NoPagesYet,
    GateTasks,
    OpenStation,
    Station,
    Open,
    TimesIn,
    Due,
    Expires,
    Gate,
    Priority,
    Task,
    State,
    NoOpenTasks,
    Forbidden,
    ForbiddenText,
    NotFound,
    NotFoundText,
    BackHome,
    BadAddress,
    Recorded,
    Undo,
    Undone,
    TooLateToUndo,
    UnknownStation,
    UnknownStationText,
    Escalated,
    BadDateText,
    // admin pages
    StaffAccounts,
    ApiTokens,
    StationsStaffing,
    AddAccount,
    AllAccounts,
    DisplayName,
    StationsOrLanguages,
    PageLanguage,
    AccountEnabled,
    AccountDisabled,
    StationsHelp,
    LanguagesHelp,
    TemporaryPasswordHelp,
    TemporaryPassword,
    NewApiToken,
    ShownOnce,
    Done,
    Save,
    ChangesSaved,
    ResetPassword,
    DisableAccount,
    EnableAccount,
    AccountDisabledDone,
    AccountEnabledDone,
    TokenRevokedDone,
    CreateToken,
    CreatedAt,
    LastUsed,
    Never,
    Revoke,
    Revoked,
    Staffed,
    ShiftStarts,
    ShiftEnds,
    ShiftHelp,
    NoStationsYet,
    AddStation,
    ChooseRole,
    BadLogin,
    LoginTaken,
    BadLanguageCode,
    BadStationCode,
    GateNeedsStation,
    AdvisorNeedsLanguage,
    ScopeNotForRole,
    BadTokenName,
    BadShift,
    KeepOwnAdmin,
    KeepOwnAccount,
    // advisor console
    SocialTasks,
    Passenger,
    Language,
    Flight,
    Claim,
    OpenTask,
    ClaimedByYou,
    ClaimedByOther,
    NoSocialTasks,
    WhyThisTask,
    Cases,
    NoCases,
    Networks,
    CanWriteNow,
    HumanAgentOnly,
    TemplateOnlyNow,
    NoTemplateConfigured,
    CannotWriteNow,
    Route,
    Departure,
    Arrival,
    FlightStatus,
    WriteMessage,
    WriteOwnWords,
    Network,
    Send,
    Template,
    FreeTextNoTemplate,
    TemplateParameters,
    NearDuplicate,
    SendAnyway,
    Messages,
    NoMessages,
    MessageQueued,
    MessageSending,
    MessageSent,
    MessageFailed,
    MessageUnknown,
    MessageUnconfirmed,
    MessageDelivered,
    MessageRead,
    SendAgain,
    PersonReplied,
    NewReplies,
    NotDelivered,
    DemoNetwork,
    WillRetry,
    SandboxNote,
    Outcome,
    Note,
    RecordOutcome,
    ClaimToWrite,
    TaskIsClosed,
    Opened,
    CaseOpen,
    CaseResolved,
    OutcomeMessageSent,
    OutcomeTalkedAllWell,
    OutcomeTalkedNewIssue,
    OutcomeNotFound,
    OutcomeDeclined,
    AskedNoContact,
    BackToQueue,
    TaskTaken,
    // gate and ops pages
    ChooseGate,
    GateOptional,
    Show,
    TodaysFlights,
    NoFlightsToday,
    LiveUpdates,
    Estimated,
    Status,
    PrintList,
    NoTasksForFlight,
    TalkedAllWell,
    TalkedNewIssue,
    PassengerNotFound,
    Declined,
    Offloaded,
    CabinList,
    BackToList,
    Seat,
    Name,
    Brief,
    FlightsBoard,
    NoFlightsOnDate,
    Destination,
    OpenTasks,
    ClaimedTasks,
    DoneTasks,
    EndedTasks,
    RulesInForce,
    Source,
    ShippedRules,
    LoadedAt,
    LastError,
    NoneWord,
    RuleIds,
    SchedulerJobs,
    Job,
    Schedule,
    RunsHere,
    NextRun,
    LastRun,
    Yes,
    No,
    OutcomeRefused,
    OutcomeRefusedText,
    // match review, ops import page, gate claim
    MatchReview,
    ReviewIntro,
    NoReviewCases,
    ReviewShowingFirst,
    ManifestPassenger,
    RegistryPerson,
    Field,
    Comparison,
    PassportName,
    DateOfBirth,
    FrequentFlyer,
    Email,
    Phone,
    BookingAndSeat,
    CountryAndLanguage,
    MatchScore,
    MatcherReasons,
    EvidenceAgrees,
    EvidenceConflicts,
    EvidenceDiffers,
    TimeNotKnown,
    ConfirmSamePerson,
    RejectNotSamePerson,
    LinkConfirmed,
    LinkRejected,
    IsSamePerson,
    IsNotSamePerson,
    DecisionRemembered,
    DecisionRefused,
    DecisionRefusedText,
    ImportFiles,
    ImportHelp,
    WhatTheFilesHold,
    ManifestFiles,
    RegistryFiles,
    ManifestFormat,
    FormatFromContent,
    FilesToImport,
    ImportButton,
    ImportResults,
    FileImported,
    FileRefused,
    File,
    Line,
    Reason,
    MoreErrors,
    Warnings,
    WarningsHelp,
    MoreWarnings,
    ChooseAFile,
    UploadTooLarge,
    UploadUnreadable,
    HeldMessages,
    HeldMessagesHelp,
    TypeBMessage,
    PartsHeld,
    PartsMissing,
    WaitingFor,
    WaitingForParts,
    WaitingForFlightPnl,
    WaitingForEarlierMessage,
    WaitingForTurn,
    Age,
    ImGoing,
    YouAreGoing,
    ClaimedBy,
    // event stream
    EventStream,
    NoEvents,
    Time,
    Kind,
    Actor,
    Subject,
    Person,
    Detail,
    NextPage,
    From,
    To,
    Channel,
    Rule,
    // reports
    Reports,
    ReportsIntro,
    DownloadCsv,
    ReportFunnel,
    ReportLatency,
    ReportHistogram,
    ReportDeadlinesByStation,
    ReportDeadlinesByDesk,
    ReportDeadlinesByHour,
    ReportMatching,
    Charts,
    AmbassadorCandidates,
    AmbassadorsIntro,
    NoAmbassadors,
    RegistryId,
    AllWell,
    Reach,
    Uplift,
    UpliftIntro,
    UpliftDays,
    UpliftGroups,
    Treated,
    HeldOut,
    Exempt,
    OutcomeNewCase,
    OutcomeActive,
    OutcomeFlewAgain,
    // the match review's score, the scheduler's catch-up runs
    MatchScoreScale,
    CatchUpOf,
    // the gate view without a network
    OfflineWaiting,
    OfflineSent,
    // the account holder's own settings
    MyAccount,
    MyLanguage,
}

impl Msg {
    /// The label of a filter field of the event stream and the reports, by its query name.
    pub fn filter_label(name: &str) -> Msg {
        match name {
            "from" => Msg::From,
            "to" => Msg::To,
            "kind" => Msg::Kind,
            "flight" => Msg::Flight,
            "person" => Msg::Person,
            "task" => Msg::Task,
            "station" => Msg::Station,
            "channel" => Msg::Channel,
            "network" => Msg::Network,
            "rule" => Msg::Rule,
            "desk" => Msg::Language,
            "days" => Msg::UpliftDays,
            _ => Msg::Detail,
        }
    }

    /// The title of a report's table, by its name in URLs.
    pub fn report_table(name: &str) -> Msg {
        match name {
            "funnel" => Msg::ReportFunnel,
            "latency" => Msg::ReportLatency,
            "histogram" => Msg::ReportHistogram,
            "deadlines_by_station" => Msg::ReportDeadlinesByStation,
            "deadlines_by_desk" => Msg::ReportDeadlinesByDesk,
            "deadlines_by_hour" => Msg::ReportDeadlinesByHour,
            _ => Msg::ReportMatching,
        }
    }

    pub fn text(self, language: UiLanguage) -> &'static str {
        i18n::text(language, self.into())
    }
}

pub fn role_name(role: Role, language: UiLanguage) -> &'static str {
    i18n::word(language, "role", role.as_str()).unwrap_or(role.as_str())
}

pub fn task_state_name(state: TaskState, language: UiLanguage) -> &'static str {
    i18n::word(language, "task-state", state.as_str()).unwrap_or(state.as_str())
}

pub fn flight_status_name(status: FlightStatus, language: UiLanguage) -> &'static str {
    i18n::word(language, "flight-status", status.as_str()).unwrap_or(status.as_str())
}

pub fn channel_name(channel: Channel, language: UiLanguage) -> &'static str {
    i18n::word(language, "channel", channel.as_str()).unwrap_or(channel.as_str())
}

/// A complaint case's category as social care filed it: in `language` when the catalogues know it,
/// else as written.
pub fn case_category_name(category: &str, language: UiLanguage) -> String {
    let word = category.trim().to_lowercase();
    match i18n::word(language, "case-category", &word) {
        Some(name) => name.to_string(),
        None => category.trim().replace('_', " "),
    }
}

/// A task's brief as its reader sees it: in their page language where the rule wrote one, else the
/// English one with a marker saying so.
pub struct Brief {
    pub text: String,
    /// "in English", in the reader's language, when the text is the English fallback.
    pub in_english: Option<&'static str>,
}

impl Brief {
    pub fn of(english: &str, others: &BTreeMap<UiLanguage, String>, language: UiLanguage) -> Brief {
        match others.get(&language) {
            Some(text) => Brief {
                text: text.clone(),
                in_english: None,
            },
            None => Brief {
                text: english.to_string(),
                in_english: (language != UiLanguage::En)
                    .then(|| i18n::text(language, "brief-in-english")),
            },
        }
    }
}

/// A word of the reports' tables and charts (a column, a funnel stage, a latency step) in `language`;
/// the CSV keeps the English word, and a word no catalogue has (a station's code) stays as it is.
pub fn report_word(word: &str, language: UiLanguage) -> &str {
    let slug: String = word
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    i18n::word(language, "report-word", &slug).unwrap_or(word)
}

/// Why a scheduler job does not run on this instance, in `language`; a setting's name and the
/// configuration's own words stay as they are.
pub fn job_unavailable(why: &Unavailable, language: UiLanguage) -> String {
    let text = |v: &str| i18n::FluentValue::from(v.to_string());
    match why {
        Unavailable::SchedulerOff => i18n::text(language, "job-scheduler-off").to_string(),
        Unavailable::TurnedOff => i18n::text(language, "job-turned-off").to_string(),
        Unavailable::NotSet(setting) => i18n::format(
            language,
            "job-setting-not-set",
            &[("setting", text(setting))],
        ),
        Unavailable::Misconfigured(words) => {
            i18n::format(language, "job-misconfigured", &[("why", text(words))])
        }
    }
}

/// A language's name in itself, for choosing the pages' language: the same word in every interface.
pub fn language_endonym(language: UiLanguage) -> &'static str {
    i18n::text(language, "language-name")
}

/// The interface language a browser asks for, for pages shown before anyone signs in: of the languages
/// `Accept-Language` names that aboard speaks, the one with the highest weight (the first among equals),
/// English when it names none.
pub fn language_from_accept(header: Option<&str>) -> UiLanguage {
    let mut best: Option<(f32, UiLanguage)> = None;
    for tag in header.into_iter().flat_map(|h| h.split(',')) {
        let mut parts = tag.split(';');
        let Some(language) = parts
            .next()
            .and_then(|t| t.trim().split('-').next())
            .and_then(|primary| primary.parse::<UiLanguage>().ok())
        else {
            continue;
        };
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
            .unwrap_or(0.0);
        if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, language));
        }
    }
    best.map_or(UiLanguage::En, |(_, language)| language)
}

/// An instant as the clock on the wall at `airport` shows it, with the zone's abbreviation:
/// `07:30 CET`. An airport the table does not know shows UTC, saying so.
pub fn local_time(instant: DateTime<Utc>, airport: &Iata) -> String {
    match airports::lookup(airport) {
        Some(a) => a.to_local(instant).format("%H:%M %Z").to_string(),
        None => instant.format("%H:%M UTC").to_string(),
    }
}

/// Like `local_time`, with the local date: `2026-11-22 07:30 CET`.
pub fn local_date_time(instant: DateTime<Utc>, airport: &Iata) -> String {
    match airports::lookup(airport) {
        Some(a) => a.to_local(instant).format("%Y-%m-%d %H:%M %Z").to_string(),
        None => instant.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// An instant at `airport` for a page read at `now`: the wall-clock time alone when it falls on the
/// airport's date of `now`, with its date otherwise, so that tomorrow's 08:10 never reads as today's.
pub fn day_time(instant: DateTime<Utc>, airport: &Iata, now: DateTime<Utc>) -> String {
    let same_day = match airports::lookup(airport) {
        Some(a) => a.to_local(instant).date_naive() == a.to_local(now).date_naive(),
        None => instant.date_naive() == now.date_naive(),
    };
    if same_day {
        local_time(instant, airport)
    } else {
        local_date_time(instant, airport)
    }
}

/// How far `due` is from `now`, for queues: "in 12 min", "in 2 h 05 min", "12 min late", "now".
pub fn until(due: DateTime<Utc>, now: DateTime<Utc>, language: UiLanguage) -> String {
    let minutes = (due - now).num_seconds().div_euclid(60);
    let span = |m: i64| match m {
        ..60 => format!("{m} min"),
        _ => format!("{} h {:02} min", m / 60, m % 60),
    };
    match minutes {
        0 => i18n::text(language, "until-now").to_string(),
        m if m > 0 => i18n::format(language, "until-ahead", &[("span", span(m).into())]),
        m => i18n::format(language, "until-late", &[("span", span(-m).into())]),
    }
}

/// The zone an airport's times are shown in, as it stands at `at`, for page headings:
/// `Europe/Madrid (CET)`.
pub fn zone_label(airport: &Iata, at: DateTime<Utc>) -> String {
    match airports::lookup(airport) {
        Some(a) => format!("{} ({})", a.tz.name(), a.to_local(at).format("%Z")),
        None => "UTC".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn times_show_the_airports_wall_clock_and_zone() {
        let mad = Iata::parse("MAD").unwrap();
        assert_eq!(local_time(utc("2026-11-22T07:30:00Z"), &mad), "08:30 CET");
        assert_eq!(local_time(utc("2026-07-01T07:30:00Z"), &mad), "09:30 CEST");
        assert_eq!(
            local_date_time(utc("2026-11-22T23:30:00Z"), &mad),
            "2026-11-23 00:30 CET"
        );
        let mex = Iata::parse("MEX").unwrap();
        assert_eq!(local_time(utc("2026-11-22T07:30:00Z"), &mex), "01:30 CST");
        assert_eq!(
            zone_label(&mad, utc("2026-07-01T07:30:00Z")),
            "Europe/Madrid (CEST)"
        );
        let unknown = Iata::parse("QQQ").unwrap();
        assert_eq!(
            local_time(utc("2026-11-22T07:30:00Z"), &unknown),
            "07:30 UTC"
        );
    }

    #[test]
    fn times_off_the_days_date_carry_it_and_queues_say_how_far_away() {
        let mad = Iata::parse("MAD").unwrap();
        // 23:35 in Madrid: 00:30 is tomorrow there, though it is still the same UTC date.
        let now = utc("2026-11-22T22:35:00Z");
        assert_eq!(
            day_time(utc("2026-11-22T22:50:00Z"), &mad, now),
            "23:50 CET"
        );
        assert_eq!(
            day_time(utc("2026-11-22T23:30:00Z"), &mad, now),
            "2026-11-23 00:30 CET"
        );
        assert_eq!(
            until(utc("2026-11-22T22:47:10Z"), now, UiLanguage::En),
            "in 12 min"
        );
        assert_eq!(
            until(utc("2026-11-23T00:40:00Z"), now, UiLanguage::Es),
            "en 2 h 05 min"
        );
        assert_eq!(
            until(utc("2026-11-22T22:23:00Z"), now, UiLanguage::En),
            "12 min late"
        );
        assert_eq!(
            until(utc("2026-11-22T22:22:59Z"), now, UiLanguage::Es),
            "13 min de retraso"
        );
        assert_eq!(
            until(utc("2026-11-22T22:35:30Z"), now, UiLanguage::En),
            "now"
        );
    }

    #[test]
    fn every_page_string_and_value_word_is_in_the_english_catalogue() {
        use strum::IntoEnumIterator;
        let missing: Vec<&str> = Msg::iter()
            .map(<&str>::from)
            .filter(|id| !i18n::has(id))
            .collect();
        assert!(missing.is_empty(), "not in locales/en.ftl: {missing:?}");
        let families = [
            (
                "role",
                Role::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
            ),
            (
                "task-state",
                TaskState::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            (
                "flight-status",
                FlightStatus::ALL.iter().map(|v| v.as_str()).collect(),
            ),
            ("channel", Channel::ALL.iter().map(|v| v.as_str()).collect()),
        ];
        for (family, words) in families {
            for word in words {
                let id = format!("{family}-{}", word.replace('_', "-"));
                assert!(i18n::has(&id), "not in locales/en.ftl: {id}");
            }
        }
        assert_eq!(Msg::TypeBMessage.text(UiLanguage::En), "Message");
        assert_eq!(Msg::SignIn.text(UiLanguage::Es), "Iniciar sesión");
        assert_eq!(role_name(Role::Gate, UiLanguage::Pt), "Agente de porta");
        assert_eq!(task_state_name(TaskState::Claimed, UiLanguage::Fr), "Prise");
        assert_eq!(case_category_name("Baggage", UiLanguage::Es), "Equipaje");
    }

    #[test]
    fn the_sign_in_page_follows_the_browsers_language() {
        assert_eq!(
            language_from_accept(Some("es-ES,es;q=0.9,en;q=0.8")),
            UiLanguage::Es
        );
        assert_eq!(
            language_from_accept(Some("fr-FR, en-GB;q=0.8")),
            UiLanguage::Fr
        );
        assert_eq!(
            language_from_accept(Some("de-DE, en;q=0.5, pt-BR;q=0.9")),
            UiLanguage::Pt
        );
        assert_eq!(
            language_from_accept(Some("es;q=0, en;q=0.1")),
            UiLanguage::En
        );
        assert_eq!(language_from_accept(Some("de")), UiLanguage::En);
        assert_eq!(language_from_accept(None), UiLanguage::En);
    }
}
