use super::*;
use crate::domain::records::IdentifierKind;
use crate::domain::{CaseStatus, Network};

const CSV: &str = "\u{feff}external_id,record,display_name,emails,phones,loyalty,date_of_birth,network,handle,followers,activity_30d,opted_in,case_ref,opened_at,resolved_at,status,severity,consent_channel,opted_out,consent_updated_at\n\
P1,person,María José García-Peña,Maria.Garcia@Example.COM,+34 600 111 222,IB 0012345678,1984-03-15,,,,,,,,,,,,,\n\
P1,account,,,,,,x,@mjgp,12000,14,true,,,,,,,,\n\
P1,case,,,,,,,,,,,C-1,2026-10-01T10:00:00Z,2026-10-03T10:00:00Z,resolved,4,,,\n\
P1,consent,,,,,,,,,,,,,,,,sms,true,2026-10-01T10:00:00Z\n\
P2,person,Tom Smith,,,,,,,,,,,,,,,,,\n";

/// The persons of a file, without its warnings: most tests are about the values read.
fn parse(file: &str, bytes: &[u8]) -> Result<Vec<PersonRecord>, ParseErrors> {
    super::parse(file, bytes, None).map(|(persons, _)| persons)
}

fn reasons(result: Result<Vec<PersonRecord>, ParseErrors>) -> Vec<String> {
    result
        .unwrap_err()
        .errors
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn csv_rows_join_into_persons_with_normalised_contacts() {
    let persons = parse("reg.csv", CSV.as_bytes()).unwrap();
    assert_eq!(persons.len(), 2);
    let p = &persons[0];
    assert_eq!(p.display_name, "María José García-Peña");
    let value = |kind| {
        p.identifiers
            .iter()
            .find(|i| i.kind == kind)
            .map(|i| i.value.clone())
    };
    assert_eq!(
        value(IdentifierKind::Email).as_deref(),
        Some("maria.garcia@example.com")
    );
    assert_eq!(
        value(IdentifierKind::Phone).as_deref(),
        Some("+34600111222")
    );
    assert_eq!(
        value(IdentifierKind::Loyalty).as_deref(),
        Some("IB 12345678")
    );
    assert_eq!(p.accounts[0].network, Network::X);
    assert_eq!(p.accounts[0].followers, 12000);
    assert!(p.accounts[0].opted_in);
    assert_eq!(p.cases[0].status, CaseStatus::Resolved);
    assert_eq!(p.cases[0].severity, 4);
    assert!(p.consents[0].opted_out);
    assert!(persons[1].accounts.is_empty());
}

#[test]
fn json_array_and_ndjson_read_the_same_person() {
    let object = r#"{"external_id":"P1","display_name":"Zoë Müller","emails":["ZOE@x.de"],"accounts":[{"network":"instagram","handle":"zoe","followers":5}],"cases":[{"external_ref":"T-9","opened_at":"2026-11-01T00:00:00Z","status":"open","severity":2}],"consents":[{"channel":"email","opted_out":false,"updated_at":"2026-11-01T00:00:00Z"}]}"#;
    let array = format!("[\n{object}\n]");
    let from_array = parse("a.json", array.as_bytes()).unwrap();
    let from_lines = parse(
        "a.ndjson",
        format!("{object}\n{}\n", object.replace("P1", "P2")).as_bytes(),
    )
    .unwrap();
    assert_eq!(from_array.len(), 1);
    assert_eq!(from_lines.len(), 2);
    assert_eq!(from_array[0].display_name, "Zoë Müller");
    assert_eq!(from_array[0].identifiers[0].value, "zoe@x.de");
    assert_eq!(from_array[0].cases[0].status, CaseStatus::Open);
    assert_eq!(from_lines[1].external_id, "P2");
}

#[test]
fn every_error_is_reported_with_line_and_field() {
    let csv = "record,external_id,display_name,emails,network,handle,consent_channel,opted_out\n\
person,P1,,,,,,\n\
account,P9,,,x,h,,\n\
gadget,P1,,,,,,\n\
consent,P1,,,,,sms,maybe\n";
    let errors = reasons(parse("bad.csv", csv.as_bytes()));
    let expect = [
        "bad.csv:2: display_name: is missing",
        "bad.csv:3: external_id: no person row for \"P9\"",
        "bad.csv:4: record: \"gadget\" is not a record kind",
        "bad.csv:5: opted_out: \"maybe\" is not true or false",
    ];
    for e in expect {
        assert!(
            errors.iter().any(|x| x.starts_with(e)),
            "{e} not in {errors:#?}"
        );
    }
}

#[test]
fn values_that_cannot_be_understood_are_warnings_and_the_person_is_kept() {
    let csv = "record,external_id,display_name,emails,phones,loyalty,date_of_birth,country,network,handle,followers,case_ref,opened_at,status\n\
person,P1, Ana   Ruiz ,not-an-email;ana@example.es,600 CALL ME,12345,15/03/1984,Spain,,,,,,\n\
account,P1,,,,,,,myspace,h,-3,,,\n\
account,P1,,,,,,,x,@ana,lots,,,\n\
case,P1,,,,,,,,,,C1,yesterday,closed\n";
    let (persons, warnings) = super::parse("bad.csv", csv.as_bytes(), None).unwrap();
    let ana = &persons[0];
    assert_eq!(ana.display_name, "Ana Ruiz");
    assert_eq!(
        ana.identifiers
            .iter()
            .map(|i| i.value.as_str())
            .collect::<Vec<_>>(),
        ["ana@example.es"]
    );
    assert_eq!((ana.date_of_birth, &ana.country), (None, &None));
    assert_eq!(
        ana.accounts.len(),
        1,
        "the unknown network's account is left out"
    );
    assert_eq!(
        (ana.accounts[0].handle.as_str(), ana.accounts[0].followers),
        ("@ana", 0)
    );
    assert!(ana.cases.is_empty());
    let shown: Vec<String> = warnings.list.iter().map(ToString::to_string).collect();
    let expect = [
        "bad.csv:4: followers: \"lots\" is not a whole number; the value is left out",
        "bad.csv:2: country: \"SPAIN\" is not a country code",
        "bad.csv:2: date_of_birth: \"15/03/1984\" is not a date",
        "bad.csv:2: emails: \"not-an-email\" is not an e-mail address; the value is left out, the person kept",
        "bad.csv:2: phones: \"600 CALL ME\" is not a phone number",
        "bad.csv:2: loyalty: \"12345\" is not a loyalty number",
        "bad.csv:3: network:",
        "bad.csv:5: opened_at: \"yesterday\" is not a time",
        "bad.csv:5: status:",
    ];
    for e in expect {
        assert!(
            shown.iter().any(|x| x.starts_with(e)),
            "{e} not in {shown:#?}"
        );
    }
    assert!(
        shown.iter().any(|x| x.starts_with("bad.csv:3: network:")
            && x.ends_with("the account is left out, the person kept")),
        "{shown:#?}"
    );
    assert_eq!(warnings.total, shown.len());
}

#[test]
fn header_and_structure_problems_are_refused() {
    // A column aboard does not read refuses nothing: a warning, and the person is kept.
    let (persons, warnings) = super::parse(
        "h.csv",
        b"record,external_id,display_name,colour\nperson,P1,Ana Ruiz,red\n",
        None,
    )
    .unwrap();
    assert_eq!(persons.len(), 1);
    assert!(
        warnings.list[0]
            .to_string()
            .starts_with("h.csv:1: colour: is not a registry column")
    );
    // Separated by semicolons, as spreadsheets write CSV in much of Europe; a list cell is quoted.
    let (persons, _) = super::parse(
        "s.csv",
        "record;external_id;display_name;emails\nperson;P1;Ana Ruiz;\"ana@example.es;a.ruiz@example.es\"\n"
            .as_bytes(),
        None,
    )
    .unwrap();
    assert_eq!(persons[0].identifiers.len(), 2, "{persons:?}");
    let errors = reasons(parse("h.csv", b"record,display_name\nperson,A\n"));
    assert!(errors[0].contains("external_id: column is missing"));
    let errors = reasons(parse(
        "d.csv",
        b"record,external_id,display_name\nperson,P1,A\nperson,P1,B\n",
    ));
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("d.csv:3: external_id: person P1 appears twice"))
    );
    let errors = reasons(parse("e.csv", b"record,external_id\n"));
    assert_eq!(errors, ["e.csv:1: the file holds no person"]);
    let errors = reasons(parse("u.csv", b"record,external_id\nperson,\xff\n"));
    assert!(errors[0].contains("not UTF-8"));
}

#[test]
fn national_phones_take_the_person_country_else_the_default_region_else_stay_digits() {
    let csv = "record,external_id,display_name,country,phones,emails\n\
person,P1,Ana Ruiz,ES,600 111 222, Ana.Ruiz@Example.ES \n\
person,P2,Tom Smith,GB,07911 123456,\n\
person,P3,Eva Nowak,,612 345 678,\n";
    let phone_of = |persons: &[PersonRecord], id: &str| {
        persons
            .iter()
            .find(|p| p.external_id == id)
            .and_then(|p| {
                p.identifiers
                    .iter()
                    .find(|i| i.kind == IdentifierKind::Phone)
            })
            .map(|i| i.value.clone())
    };
    let (persons, warnings) = super::parse("reg.csv", csv.as_bytes(), None).unwrap();
    assert_eq!(phone_of(&persons, "P1").as_deref(), Some("+34600111222"));
    assert_eq!(phone_of(&persons, "P2").as_deref(), Some("+447911123456"));
    assert_eq!(phone_of(&persons, "P3").as_deref(), Some("612345678"));
    assert_eq!(persons[0].identifiers[0].value, "ana.ruiz@example.es");
    assert_eq!(warnings.total, 1, "{warnings:?}");
    assert!(
        warnings.list[0]
            .to_string()
            .starts_with("reg.csv:4: phones: \"612 345 678\" is kept as its digits 612345678"),
        "{warnings:?}"
    );
    let region = crate::domain::Region::parse("ES").ok();
    let (persons, warnings) = super::parse("reg.csv", csv.as_bytes(), region).unwrap();
    assert_eq!(phone_of(&persons, "P3").as_deref(), Some("+34612345678"));
    assert_eq!(phone_of(&persons, "P2").as_deref(), Some("+447911123456"));
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn json_problems_name_their_line() {
    let errors = reasons(parse("j.json", b"[\n{\"external_id\":\"P1\",\"display_name\":\"A\"},\n{\"external_id\":\"P2\",\"display_name\":\"B\",\"shoe\":1}\n]"));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .starts_with("j.json:3: this person object is not as expected: unknown field `shoe`"),
        "{errors:?}"
    );
    let errors = reasons(parse("j.json", b"[\n{\"external_id\":\"P1\",\n"));
    assert!(errors[0].starts_with("j.json:"), "{errors:?}");
    let (persons, warnings) = super::parse("j.json", b"{\"external_id\":\"P1\",\"display_name\":\"A\",\"cases\":[{\"external_ref\":\"C\",\"opened_at\":\"2026-11-02T00:00:00Z\",\"status\":\"resolved\"}]}", None).unwrap();
    assert!(persons[0].cases.is_empty());
    assert!(
        warnings.list[0]
            .to_string()
            .starts_with("j.json:1: resolved_at: is missing"),
        "{warnings:?}"
    );
}

#[test]
fn format_is_sniffed_past_a_bom_and_blanks() {
    assert_eq!(
        RegistryFormat::sniff(b"\xEF\xBB\xBF  [{}]"),
        RegistryFormat::Json
    );
    assert_eq!(RegistryFormat::sniff(b"{}"), RegistryFormat::Json);
    assert_eq!(
        RegistryFormat::sniff(b"record,external_id"),
        RegistryFormat::Csv
    );
}
