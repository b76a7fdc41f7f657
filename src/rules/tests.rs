//! Parsing, diagnostics and evaluation of rule sets, including the shipped rules on hand-built passengers.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::domain::{CaseStatus, Channel, FlightStatus, Network, UiLanguage};

fn source(file: &str, text: &str) -> Vec<(String, String)> {
    vec![(file.to_owned(), text.to_owned())]
}

fn parse_one(text: &str) -> Result<RuleSet, Vec<Diagnostic>> {
    RuleSet::parse(&source("test.toml", text))
}

/// The single diagnostic a bad file gives, as (line, column, problem).
fn only_problem(text: &str) -> (usize, usize, Problem) {
    let diagnostics = parse_one(text).unwrap_err();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = diagnostics.into_iter().next().unwrap();
    assert_eq!(d.file, "test.toml");
    let position = d.position.expect("a position");
    (position.line, position.column, d.problem)
}

const GOOD: &str = r#"
[[rule]]
id = "open-case"
description = "anyone with an open case"
trigger = "boarded"
when = "person.open_cases > 0 && station.staffed"
channel = ["gate", "social"]
priority = 3
due = "boarded + 10m"
brief = "'Open case: ' + person.case_categories.join(', ')"
"#;

fn shipped_rules() -> RuleSet {
    load_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"))
        .unwrap_or_else(|d| panic!("{d:#?}"))
}

/// A socially active person with one resolved complaint, an X account that is writable, at a staffed station.
fn active_complainant() -> RuleContext {
    let mut context = RuleContext::sample();
    context
        .person
        .cases
        .retain(|c| c.status == CaseStatus::Resolved);
    context
}

fn unwritable_accounts(context: &mut RuleContext) {
    for account in &mut context.person.social_accounts {
        account.opted_in = false;
    }
}

#[test]
fn a_good_file_parses_into_rules_with_their_fields() {
    let set = parse_one(GOOD).unwrap();
    let [rule] = set.rules() else {
        panic!("one rule expected")
    };
    assert_eq!(rule.id(), "open-case");
    assert_eq!(rule.description(), "anyone with an open case");
    assert_eq!(rule.trigger(), Trigger::Boarded);
    assert!(rule.enabled());
    assert_eq!(rule.channels(), &[Channel::Gate, Channel::Social]);
    assert_eq!(rule.due().to_string(), "boarded + 10m");
    assert_eq!(rule.expiry(), None);
    assert_eq!(rule.location().0, "test.toml");
    assert_eq!(rule.location().1, Position { line: 2, column: 1 });
}

#[test]
fn a_good_rule_evaluates_into_a_plan_that_says_why() {
    let set = parse_one(GOOD).unwrap();
    let context = RuleContext::sample();
    let evaluation = set.evaluate(Trigger::Boarded, &context);
    assert!(evaluation.errors.is_empty(), "{:?}", evaluation.errors);
    let [plan] = evaluation.plans.as_slice() else {
        panic!("one plan expected: {evaluation:?}")
    };
    assert_eq!(plan.rule_id, "open-case");
    assert_eq!(plan.priority, 3);
    assert_eq!(plan.due_at, context.now + Duration::minutes(10));
    assert_eq!(plan.brief, "Open case: baggage, delay");
    assert_eq!(
        plan.why,
        vec![
            "rule open-case",
            "anyone with an open case",
            "priority 3, fixed by the rule",
            "person.open_cases > 0 (person.open_cases is 1)",
            "station.staffed (station.staffed is true)",
        ]
    );
    // Another trigger does not run the rule.
    assert_eq!(
        set.evaluate(Trigger::Arrived, &context),
        Evaluation::default()
    );
}

#[test]
fn a_disabled_rule_is_checked_but_never_fires() {
    let text = GOOD.replace("priority = 3", "priority = 3\nenabled = false");
    let set = parse_one(&text).unwrap();
    assert!(!set.rules()[0].enabled());
    assert!(
        set.evaluate(Trigger::Boarded, &RuleContext::sample())
            .plans
            .is_empty()
    );
    let broken = text.replace("person.open_cases > 0", "person.open_cases >");
    assert!(parse_one(&broken).is_err());
}

#[test]
fn toml_syntax_errors_point_at_line_and_column() {
    let (line, column, problem) = only_problem("[[rule]]\nid = \"a\"\ndescription = \n");
    assert_eq!((line, column), (3, 15));
    assert!(matches!(problem, Problem::Syntax { .. }), "{problem:?}");
    let (line, column, problem) = only_problem("[[rule]]\nid = \"a\"\nid = \"b\"\n");
    assert_eq!((line, column), (3, 1));
    assert!(problem.to_string().contains("duplicate key"), "{problem}");
}

#[test]
fn unknown_fields_are_refused_where_they_are_written() {
    let text = GOOD.replace("priority = 3", "priority = 3\n  prioirty = 4");
    let (line, column, problem) = only_problem(&text);
    assert_eq!((line, column), (9, 3));
    assert_eq!(
        problem,
        Problem::UnknownField {
            field: "prioirty".to_owned(),
            expected: "id, description, trigger, when, channel, priority, due, expiry, brief, enabled",
        }
    );
    let (line, column, problem) = only_problem(&format!("version = 2\n{GOOD}"));
    assert_eq!((line, column), (1, 1));
    assert!(
        problem.to_string().contains("unknown field `version`"),
        "{problem}"
    );
}

#[test]
fn missing_fields_point_at_the_rule_header() {
    let text = GOOD.replace("due = \"boarded + 10m\"\n", "");
    let (line, column, problem) = only_problem(&text);
    assert_eq!((line, column), (2, 1));
    assert_eq!(problem, Problem::MissingField { field: "due" });
}

#[test]
fn unknown_channels_triggers_and_clock_points_point_at_the_value() {
    let cases = [
        (
            "channel = [\"gate\", \"social\"]",
            "channel = [\"gate\", \"pigeon\"]",
            7,
            "channel",
            "\"pigeon\" is not a known channel",
        ),
        (
            "trigger = \"boarded\"",
            "trigger = \"landed\"",
            5,
            "trigger",
            "\"landed\" is not a known trigger",
        ),
        (
            "due = \"boarded + 10m\"",
            "due = \"takeoff + 10m\"",
            9,
            "due",
            "\"takeoff\" is not a clock point",
        ),
        (
            "due = \"boarded + 10m\"",
            "due = \"boarded + 10m\"\nexpiry = \"arrival + 1x\"",
            10,
            "expiry",
            "not a duration unit",
        ),
        (
            "priority = 3",
            "priority = 7",
            8,
            "priority",
            "7 is outside 1 (lowest) to 5",
        ),
        (
            "channel = [\"gate\", \"social\"]",
            "channel = [\"gate\", \"gate\"]",
            7,
            "channel",
            "gate is listed twice",
        ),
        (
            "id = \"open-case\"",
            "id = \"open case\"",
            3,
            "id",
            "' ' is not allowed",
        ),
    ];
    for (from, to, expected_line, expected_field, words) in cases {
        let (line, _, problem) = only_problem(&GOOD.replace(from, to));
        assert_eq!(line, expected_line, "{to}: {problem}");
        let Problem::InvalidValue { field, reason } = &problem else {
            panic!("{to}: {problem:?}")
        };
        assert_eq!(*field, expected_field);
        assert!(reason.contains(words), "{to}: {reason}");
    }
}

#[test]
fn duplicate_ids_across_files_name_the_first_place() {
    let sources = vec![
        ("a.toml".to_owned(), GOOD.to_owned()),
        ("b.toml".to_owned(), format!("\n\n{GOOD}")),
    ];
    let diagnostics = RuleSet::parse(&sources).unwrap_err();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d.file, "b.toml");
    assert_eq!(d.position, Some(Position { line: 4, column: 1 }));
    assert_eq!(
        d.problem,
        Problem::DuplicateId {
            id: "open-case".to_owned(),
            first: "a.toml:2:1".to_owned()
        }
    );
    assert!(
        d.to_string()
            .starts_with("b.toml:4:1: rule open-case: the id \"open-case\"")
    );
}

#[test]
fn cel_syntax_errors_give_the_key_line_and_the_place_in_the_expression() {
    let text = GOOD.replace(
        "when = \"person.open_cases > 0 && station.staffed\"",
        "when = '''\nperson.open_cases > 0 &&\n  station.staffed &&'''",
    );
    let (line, column, problem) = only_problem(&text);
    assert_eq!((line, column), (6, 1));
    let Problem::Expression {
        field,
        expression_line,
        expression_column,
        reason,
    } = problem
    else {
        panic!("{problem:?}")
    };
    assert_eq!(field, "when");
    assert_eq!((expression_line, expression_column), (2, 21));
    assert!(reason.contains("Syntax error"), "{reason}");

    let text = GOOD.replace("'Open case: ' +", "'Open case: ' + +");
    let (line, _, problem) = only_problem(&text);
    assert_eq!(line, 10);
    assert!(
        matches!(problem, Problem::Expression { field: "brief", .. }),
        "{problem:?}"
    );
}

#[test]
fn misspelt_names_are_refused_before_they_are_evaluated() {
    // The typo sits behind `||` and would only be evaluated at an unstaffed station.
    let text = GOOD.replace(
        "station.staffed\"",
        "(station.staffed || persn.open_cases > 1)\"",
    );
    let (line, _, problem) = only_problem(&text);
    assert_eq!(line, 6);
    assert_eq!(
        problem,
        Problem::UnknownName {
            field: "when",
            name: "persn".to_owned()
        }
    );
    // Macro variables and function namespaces are not typos.
    let text = GOOD.replace(
        "station.staffed\"",
        "person.social_accounts.exists(a, a.writable) && math.ceil(1.5) > 1.0\"",
    );
    assert!(parse_one(&text).is_ok());
}

#[test]
fn the_sample_evaluation_catches_type_errors() {
    let (line, _, problem) = only_problem(&GOOD.replace(
        "person.open_cases > 0 && station.staffed",
        "person.open_cases",
    ));
    assert_eq!(line, 6);
    let Problem::SampleEvaluation { reason, .. } = problem else {
        panic!("{problem:?}")
    };
    assert_eq!(reason, "`when` gave int 1, but it must give true or false");

    let (line, _, problem) = only_problem(&GOOD.replace(
        "priority = 3",
        "priority = \"person.open_cases > 0 ? 9 : 1\"",
    ));
    assert_eq!(line, 8);
    assert!(
        problem.to_string().contains("`priority` gave 9"),
        "{problem}"
    );

    let (line, _, problem) = only_problem(&GOOD.replace(
        "'Open case: ' + person.case_categories.join(', ')",
        "person.open_cases",
    ));
    assert_eq!(line, 10);
    assert!(
        problem.to_string().contains("`brief` gave int 1"),
        "{problem}"
    );

    // A field that does not exist fails on the sample, with the key's line.
    let (line, _, problem) =
        only_problem(&GOOD.replace("person.open_cases > 0", "person.open_case > 0"));
    assert_eq!(line, 6);
    assert!(problem.to_string().contains("open_case"), "{problem}");
}

#[test]
fn the_sparse_sample_catches_rules_that_forget_missing_facts() {
    // On a passenger without a seat, `'Seat ' + null` fails; the rule must guard it.
    let text = GOOD
        .replace("person.open_cases > 0 && station.staffed", "true")
        .replace(
            "'Open case: ' + person.case_categories.join(', ')",
            "'Seat ' + passenger.seat",
        );
    let (line, _, problem) = only_problem(&text);
    assert_eq!(line, 10);
    let Problem::SampleEvaluation { sample, .. } = problem else {
        panic!("{problem:?}")
    };
    assert_eq!(sample, "sample context with every optional fact missing");
    let guarded = GOOD.replace(
        "'Open case: ' + person.case_categories.join(', ')",
        "passenger.seat != null ? 'Seat ' + passenger.seat : 'No seat'",
    );
    assert!(parse_one(&guarded).is_ok());
}

#[test]
fn a_rule_whose_channel_always_expires_before_it_is_due_is_refused() {
    let (line, _, problem) = only_problem(&GOOD.replace("boarded + 10m", "arrival + 10m"));
    assert_eq!(line, 9);
    assert_eq!(
        problem,
        Problem::NoTimeToAct {
            reason:
                "the task could start at 2025-03-14 18:15Z at the earliest, but by then gate had \
                     expired at 2025-03-14 10:20Z and social had expired at 2025-03-14 16:00Z"
                    .to_owned()
        }
    );
}

#[test]
fn every_problem_in_every_file_is_reported_in_file_order() {
    let sources = vec![
        ("a.toml".to_owned(), "[[rule]]\nid = 3\n".to_owned()),
        ("b.toml".to_owned(), "# nothing here\n".to_owned()),
    ];
    let diagnostics = RuleSet::parse(&sources).unwrap_err();
    let summary: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        summary,
        vec![
            "a.toml:1:1: the required field `description` is missing",
            "a.toml:1:1: the required field `trigger` is missing",
            "a.toml:1:1: the required field `when` is missing",
            "a.toml:1:1: the required field `channel` is missing",
            "a.toml:1:1: the required field `priority` is missing",
            "a.toml:1:1: the required field `due` is missing",
            "a.toml:1:1: the required field `brief` is missing",
            "a.toml:2:6: `id` is invalid: expected a string",
            "b.toml: the file has no [[rule]] table, so it defines no rule",
        ]
    );
}

#[test]
fn due_and_expiry_follow_the_flight_clock() {
    let text = GOOD.replace(
        "due = \"boarded + 10m\"",
        "due = \"departure - 20m\"\nexpiry = \"departure + 1h30m\"",
    );
    let set = parse_one(&text).unwrap();
    let mut context = RuleContext::sample();
    let departure = Utc.with_ymd_and_hms(2025, 3, 14, 10, 35, 0).unwrap();
    let plan = &set.evaluate(Trigger::Boarded, &context).plans[0];
    assert_eq!(plan.due_at, departure - Duration::minutes(20));
    assert!(
        plan.channels
            .iter()
            .all(|o| o.expires_at == departure + Duration::minutes(90))
    );

    // A delay moves both.
    let delayed = context.flight.scheduled_departure + Duration::minutes(75);
    context.flight.estimated_departure = Some(delayed);
    let plan = &set.evaluate(Trigger::Boarded, &context).plans[0];
    assert_eq!(plan.due_at, delayed - Duration::minutes(20));
    assert_eq!(plan.channels[0].expires_at, delayed + Duration::minutes(90));
}

#[test]
fn default_expiries_depend_on_the_channel() {
    let text = GOOD.replace(
        "channel = [\"gate\", \"social\"]",
        "channel = [\"gate\", \"cabin\", \"social\"]",
    );
    let set = parse_one(&text)
        .unwrap()
        .with_social_expiry(Duration::hours(3));
    let mut context = RuleContext::sample();
    let plan = &set.evaluate(Trigger::Boarded, &context).plans[0];
    let gate_close = Utc.with_ymd_and_hms(2025, 3, 14, 10, 20, 0).unwrap();
    let arrival = Utc.with_ymd_and_hms(2025, 3, 14, 18, 5, 0).unwrap();
    assert_eq!(
        plan.channels,
        vec![
            ChannelOption {
                channel: Channel::Gate,
                expires_at: gate_close
            },
            ChannelOption {
                channel: Channel::Cabin,
                expires_at: arrival
            },
            ChannelOption {
                channel: Channel::Social,
                expires_at: context.now + Duration::hours(3)
            },
        ]
    );

    // Without a gate close time the gate option lasts until departure.
    context.flight.gate_close = None;
    let plan = &set.evaluate(Trigger::Boarded, &context).plans[0];
    assert_eq!(
        plan.channels[0].expires_at,
        Utc.with_ymd_and_hms(2025, 3, 14, 10, 35, 0).unwrap()
    );

    // A late boarder: the gate closes before the task is due, so only cabin and social remain.
    context.flight.gate_close = Some(context.flight.scheduled_departure - Duration::minutes(5));
    context.now = Utc.with_ymd_and_hms(2025, 3, 14, 10, 22, 0).unwrap();
    let plan = &set.evaluate(Trigger::Boarded, &context).plans[0];
    let channels: Vec<Channel> = plan.channels.iter().map(|o| o.channel).collect();
    assert_eq!(channels, vec![Channel::Cabin, Channel::Social]);
}

#[test]
fn a_rule_with_no_channel_left_in_time_is_skipped_with_its_reason() {
    let set =
        parse_one(&GOOD.replace("channel = [\"gate\", \"social\"]", "channel = \"gate\"")).unwrap();
    let mut context = RuleContext::sample();
    context.now = Utc.with_ymd_and_hms(2025, 3, 14, 10, 25, 0).unwrap();
    let evaluation = set.evaluate(Trigger::Boarded, &context);
    assert!(evaluation.plans.is_empty());
    assert_eq!(
        evaluation.skipped,
        vec![Skipped {
            rule_id: "open-case".to_owned(),
            reason:
                "the task could start at 2025-03-14 10:35Z at the earliest, but by then gate had \
                     expired at 2025-03-14 10:20Z"
                    .to_owned(),
        }]
    );
}

#[test]
fn an_error_in_one_rule_does_not_stop_the_others() {
    let text = format!(
        "{GOOD}\n{}",
        GOOD.replace("open-case", "needs-boarding-time")
            .replace("due = \"boarded + 10m\"", "due = \"boarding_started + 5m\"")
    );
    let set = parse_one(&text).unwrap();
    let mut context = RuleContext::sample();
    context.flight.boarding_started = None;
    let evaluation = set.evaluate(Trigger::Boarded, &context);
    assert_eq!(evaluation.plans.len(), 1);
    assert_eq!(evaluation.plans[0].rule_id, "open-case");
    let [error] = evaluation.errors.as_slice() else {
        panic!("{evaluation:?}")
    };
    assert_eq!(error.rule_id, "needs-boarding-time");
    assert_eq!(
        error.problem,
        EvaluationProblem::UnknownClockPoint {
            field: "due",
            point: ClockPoint::BoardingStarted
        }
    );
    assert_eq!(
        error.to_string(),
        "rule needs-boarding-time (test.toml:20:1): `due` is counted from boarding_started, which this \
         flight does not know yet"
    );
}

#[test]
fn a_runtime_cel_error_is_reported_with_the_rule_and_field() {
    let text = GOOD.replace(
        "priority = 3",
        "priority = \"person.cases_total > 0 ? 1 + 4 / person.activity_30d : 3\"",
    );
    let set = parse_one(&text).unwrap();
    let mut context = RuleContext::sample();
    context.person.activity_30d = 0;
    let evaluation = set.evaluate(Trigger::Boarded, &context);
    let [error] = evaluation.errors.as_slice() else {
        panic!("{evaluation:?}")
    };
    assert!(evaluation.plans.is_empty());
    assert_eq!(error.position, Position { line: 8, column: 1 });
    assert!(
        matches!(&error.problem, EvaluationProblem::Expression { field: "priority", reason } if reason.contains("Division by zero")),
        "{error}"
    );
}

#[test]
fn plans_come_most_urgent_first() {
    let text = format!(
        "{GOOD}\n{}",
        GOOD.replace("open-case", "urgent")
            .replace("priority = 3", "priority = 5")
    );
    let set = parse_one(&text).unwrap();
    let plans = set.evaluate(Trigger::Boarded, &RuleContext::sample()).plans;
    let ids: Vec<&str> = plans.iter().map(|p| p.rule_id.as_str()).collect();
    assert_eq!(ids, vec!["urgent", "open-case"]);
}

#[test]
fn shipped_rules_check_in_at_the_gate_where_the_station_is_staffed() {
    let rules = shipped_rules();
    let context = active_complainant();
    let evaluation = rules.evaluate(Trigger::Boarded, &context);
    assert!(evaluation.errors.is_empty(), "{:?}", evaluation.errors);
    let [plan] = evaluation.plans.as_slice() else {
        panic!("{evaluation:?}")
    };
    assert_eq!(plan.rule_id, "checkin-at-gate");
    assert_eq!(plan.channels[0].channel, Channel::Gate);
    assert_eq!(plan.priority, 2);
    assert_eq!(plan.due_at, context.now + Duration::minutes(5));
    assert_eq!(
        plan.brief,
        "Lucía García, seat 23C, speaks es: complained before (delay), resolved. Ask whether all is well \
         now and wish a good flight."
    );
    assert!(
        !plan.brief.contains("5400"),
        "crew never see follower counts"
    );
    assert!(
        plan.why
            .iter()
            .any(|w| w.contains("person.followers_max is 5400")),
        "{:?}",
        plan.why
    );
    assert!(
        plan.why
            .iter()
            .any(|w| w == "station.staffed (station.staffed is true)")
    );
}

#[test]
fn shipped_rules_go_social_where_the_station_is_unstaffed_and_an_account_is_writable() {
    let rules = shipped_rules();
    let mut context = active_complainant();
    context.station.staffed = false;
    let evaluation = rules.evaluate(Trigger::Boarded, &context);
    let [plan] = evaluation.plans.as_slice() else {
        panic!("{evaluation:?}")
    };
    assert_eq!(plan.rule_id, "checkin-over-social");
    let channels: Vec<Channel> = plan.channels.iter().map(|c| c.channel).collect();
    assert_eq!(
        channels,
        [Channel::Social, Channel::Cabin],
        "the cabin crew is the fallback"
    );
    assert!(plan.brief.contains("reachable on x"), "{}", plan.brief);

    // No account lets the airline write first: the cabin crew does it in person instead.
    unwritable_accounts(&mut context);
    let evaluation = rules.evaluate(Trigger::Boarded, &context);
    let [plan] = evaluation.plans.as_slice() else {
        panic!("{evaluation:?}")
    };
    assert_eq!(plan.rule_id, "checkin-in-cabin");
    assert_eq!(plan.channels[0].channel, Channel::Cabin);
}

#[test]
fn shipped_rules_leave_passengers_without_a_complaint_or_a_following_alone() {
    let rules = shipped_rules();
    let mut no_complaint = active_complainant();
    no_complaint.person.cases.clear();
    for staffed in [true, false] {
        no_complaint.station.staffed = staffed;
        let evaluation = rules.evaluate(Trigger::Boarded, &no_complaint);
        assert_eq!(evaluation, Evaluation::default(), "staffed: {staffed}");
    }
    let mut quiet = active_complainant();
    quiet.person.activity_30d = 3;
    for account in &mut quiet.person.social_accounts {
        account.followers = 120;
    }
    assert_eq!(
        rules.evaluate(Trigger::Boarded, &quiet),
        Evaluation::default()
    );
    // Very active without a big following still counts.
    quiet.person.activity_30d = 30;
    assert_eq!(rules.evaluate(Trigger::Boarded, &quiet).plans.len(), 1);
}

#[test]
fn shipped_rules_raise_the_priority_for_an_open_case() {
    let rules = shipped_rules();
    let mut context = active_complainant();
    let resolved = rules.evaluate(Trigger::Boarded, &context).plans[0].priority;
    context.person.cases.push(CaseFacts {
        category: "refund".to_owned(),
        status: CaseStatus::Open,
        severity: 4,
        opened_at: context.now - Duration::days(2),
    });
    let plan = &rules.evaluate(Trigger::Boarded, &context).plans[0];
    assert!(plan.priority > resolved, "{} vs {resolved}", plan.priority);
    assert_eq!(plan.priority, 4);
    assert!(plan.brief.contains("a case is still open"));
    assert!(
        plan.why
            .iter()
            .any(|w| w == "priority 4 from person.open_cases > 0 ? 4 : 2")
    );
}

#[test]
fn shipped_disruption_rules_fire_on_long_delays_and_cancellations_for_anyone_with_a_case() {
    let rules = shipped_rules();
    let mut context = active_complainant();
    // A following does not matter for disruption: any case does.
    context.person.activity_30d = 0;
    for account in &mut context.person.social_accounts {
        account.followers = 10;
    }
    context.flight.estimated_departure =
        Some(context.flight.scheduled_departure + Duration::minutes(45));
    assert!(
        rules
            .evaluate(Trigger::Disruption, &context)
            .plans
            .is_empty()
    );

    context.flight.estimated_departure =
        Some(context.flight.scheduled_departure + Duration::minutes(60));
    context.flight.status = FlightStatus::Delayed;
    let plan = &rules.evaluate(Trigger::Disruption, &context).plans[0];
    assert_eq!(plan.rule_id, "disruption-at-gate");
    assert_eq!(plan.priority, 3);
    assert!(
        plan.brief.contains("Flight delayed 60 min"),
        "{}",
        plan.brief
    );
    assert_eq!(
        plan.channels[0].expires_at,
        context.now + Duration::hours(2)
    );

    context.flight.estimated_departure = None;
    context.flight.status = FlightStatus::Cancelled;
    context.station.staffed = false;
    let plan = &rules.evaluate(Trigger::Disruption, &context).plans[0];
    assert_eq!(plan.rule_id, "disruption-over-social");
    assert!(plan.brief.contains("Flight cancelled"), "{}", plan.brief);

    context.person.cases.clear();
    assert!(
        rules
            .evaluate(Trigger::Disruption, &context)
            .plans
            .is_empty()
    );
}

#[test]
fn the_context_exposes_derived_facts_to_cel() {
    let set = parse_one(&GOOD.replace(
        "brief = \"'Open case: ' + person.case_categories.join(', ')\"",
        "brief = '''string(person.followers_total) + ' ' + string(person.followers.x) + ' ' + \
         string(flight.delay_minutes) + ' ' + passenger.traveller_class + ' ' + \
         person.social_accounts.filter(a, a.writable).map(a, a.network).join(',') + ' ' + \
         string(person.max_severity) + ' ' + trigger + ' ' + \
         string(now - person.last_complaint_at < duration('300h'))'''",
    ))
    .unwrap();
    let mut context = RuleContext::sample();
    context.person.social_accounts[1].network = Network::X;
    let plan = &set.evaluate(Trigger::Boarded, &context).plans[0];
    assert_eq!(plan.brief, "6200 6200 5 adult x 3 boarded true");
}

#[test]
fn a_rule_set_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<RuleSet>();
}

mod totality {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn any_text_is_a_rule_set_or_diagnostics(text in "\\PC{0,300}") {
            if let Err(diagnostics) = parse_one(&text) {
                prop_assert!(!diagnostics.is_empty());
            }
        }

        #[test]
        fn any_expression_compiles_and_runs_or_is_diagnosed(
            when in "[a-z_.()!&|<>=+\\-*/%?:'\" 0-9\\[\\],]{0,60}",
            brief in "[a-z_.()+'\" 0-9\\[\\]]{0,40}",
        ) {
            let text = GOOD
                .replace("\"person.open_cases > 0 && station.staffed\"", &format!("'''{when}'''"))
                .replace("\"'Open case: ' + person.case_categories.join(', ')\"", &format!("'''{brief}'''"));
            if let Ok(set) = parse_one(&text) {
                let evaluation = set.evaluate(Trigger::Boarded, &RuleContext::sparse_sample());
                prop_assert!(evaluation.plans.len() + evaluation.errors.len() <= 1);
            }
        }

        #[test]
        fn any_clock_time_parses_or_says_why(text in "\\PC{0,40}") {
            if let Err(error) = text.parse::<ClockTime>() {
                prop_assert!(!error.to_string().is_empty());
            }
        }
    }
}

#[test]
fn briefs_and_descriptions_may_be_written_per_language_and_each_brief_is_evaluated() {
    let text = GOOD
        .replace(
            "description = \"anyone with an open case\"",
            "description.en = \"anyone with an open case\"\ndescription.es = \"cualquiera con un caso abierto\"",
        )
        .replace(
            "brief = \"'Open case: ' + person.case_categories.join(', ')\"",
            "brief.en = \"'Open case: ' + person.case_categories.join(', ')\"\n\
             brief.es = '''\n'Caso abierto: ' + person.case_category_names.es.join(', ')\n'''\n\
             brief.fr = \"'Dossier ouvert : ' + person.case_category_names.fr.join(', ')\"",
        );
    let set = parse_one(&text).unwrap_or_else(|d| panic!("{d:#?}"));
    let [rule] = set.rules() else {
        panic!("one rule expected")
    };
    assert_eq!(rule.description(), "anyone with an open case");
    assert_eq!(
        rule.descriptions(),
        &[(UiLanguage::Es, "cualquiera con un caso abierto".to_string())]
    );
    let evaluation = set.evaluate(Trigger::Boarded, &RuleContext::sample());
    let [plan] = evaluation.plans.as_slice() else {
        panic!("one plan expected: {evaluation:?}")
    };
    assert_eq!(plan.brief, "Open case: baggage, delay");
    assert_eq!(
        plan.briefs.get(&UiLanguage::Es).map(String::as_str),
        Some("Caso abierto: equipaje, retraso")
    );
    assert_eq!(
        plan.briefs.get(&UiLanguage::Fr).map(String::as_str),
        Some("Dossier ouvert : bagages, retard")
    );
    assert_eq!(plan.briefs.get(&UiLanguage::Pt), None);
}

#[test]
fn a_brief_per_language_needs_english_and_languages_the_pages_speak() {
    let no_english = GOOD.replace(
        "brief = \"'Open case: ' + person.case_categories.join(', ')\"",
        "brief.es = \"'Caso abierto'\"",
    );
    let (_, _, problem) = only_problem(&no_english);
    assert!(
        problem
            .to_string()
            .contains("the English text (`en`) is missing"),
        "{problem}"
    );
    let german = GOOD.replace(
        "brief = \"'Open case: ' + person.case_categories.join(', ')\"",
        "brief.en = \"'Open case'\"\nbrief.de = \"'Offener Fall'\"",
    );
    let (_, _, problem) = only_problem(&german);
    assert!(
        problem
            .to_string()
            .contains("\"de\" is not a language aboard's pages speak (en, es, fr, pt)"),
        "{problem}"
    );
    let bad_spanish = GOOD.replace(
        "brief = \"'Open case: ' + person.case_categories.join(', ')\"",
        "brief.en = \"'Open case'\"\nbrief.es = \"'Caso abierto' +\"",
    );
    let (_, _, problem) = only_problem(&bad_spanish);
    assert!(
        matches!(problem, Problem::Expression { field: "brief", .. }),
        "{problem:?}"
    );
}

#[test]
fn the_shipped_rules_brief_in_every_page_language() {
    let set = shipped_rules();
    let mut context = active_complainant();
    context.person.cases[0].category = "baggage".to_string();
    let evaluation = set.evaluate(Trigger::Boarded, &context);
    let [plan] = evaluation.plans.as_slice() else {
        panic!("one plan expected: {evaluation:?}")
    };
    for language in [UiLanguage::Es, UiLanguage::Pt, UiLanguage::Fr] {
        assert!(plan.briefs.contains_key(&language), "{language}: {plan:?}");
    }
    assert!(
        plan.briefs[&UiLanguage::Es].contains("(equipaje)"),
        "{plan:?}"
    );
    assert!(
        plan.briefs[&UiLanguage::Pt].contains("(bagagem)"),
        "{plan:?}"
    );
    for rule in set.rules() {
        let mut languages: Vec<UiLanguage> = rule.descriptions().iter().map(|(l, _)| *l).collect();
        languages.sort();
        assert_eq!(
            languages,
            vec![UiLanguage::Es, UiLanguage::Fr, UiLanguage::Pt],
            "{} is described in every page language",
            rule.id()
        );
    }
}
