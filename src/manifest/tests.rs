//! Tests of the manifest parsers through the public functions: the peer samples (adamf/jetway, MIT, see
//! tests/data/pnl/README.md), aboard's own multi-part messages, one test per error kind, and round trips.

use chrono::NaiveDate;

use super::*;
use crate::domain::Title;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// What a file holds, without its warnings: most tests are about the values read.
fn parse(
    file: &str,
    bytes: &[u8],
    format: Option<Format>,
    reference: NaiveDate,
) -> Result<Document, ParseErrors> {
    super::parse(file, bytes, Reading::format(format), reference).map(|(document, _)| document)
}

/// The warnings of a file that must be accepted, as `line: field: reason`.
fn warnings_of(file: &str, text: &str) -> Vec<String> {
    match super::parse(
        file,
        text.as_bytes(),
        Reading::default(),
        date(2026, 11, 20),
    ) {
        Ok((_, warnings)) => {
            assert_eq!(warnings.total, warnings.list.len());
            warnings
                .list
                .iter()
                .map(|w| {
                    format!(
                        "{}: {}: {}",
                        w.line,
                        w.field.as_deref().unwrap_or("-"),
                        w.reason
                    )
                })
                .collect()
        }
        Err(errors) => panic!("expected the file to be accepted, got {errors}"),
    }
}

fn pnl(file: &str, text: &str, reference: NaiveDate) -> PnlMessage {
    match parse(file, text.as_bytes(), None, reference) {
        Ok(Document::Pnl(m)) => m,
        other => panic!("expected a PNL, got {other:?}"),
    }
}

fn adl(file: &str, text: &str, reference: NaiveDate) -> ManifestChanges {
    match parse(file, text.as_bytes(), None, reference) {
        Ok(Document::Adl(c)) => c,
        other => panic!("expected an ADL, got {other:?}"),
    }
}

fn errors_of(format: Option<Format>, text: &[u8]) -> ParseErrors {
    match parse("in", text, format, date(2026, 11, 20)) {
        Err(e) => e,
        Ok(doc) => panic!("expected errors, got {doc:?}"),
    }
}

fn names(passengers: &[ManifestPassenger]) -> Vec<String> {
    passengers.iter().map(|p| p.name.to_string()).collect()
}

const JETWAY_PNL: &str = include_str!("../../tests/data/pnl/jetway-sample.pnl");
const JETWAY_ADL: &str = include_str!("../../tests/data/pnl/jetway-sample.adl");
const OWN_PNL: &str = include_str!("../../tests/data/pnl/ib3166-22nov-mad.pnl");
const OWN_ADL: &str = include_str!("../../tests/data/pnl/ib3166-22nov-mad.adl");

#[test]
fn jetway_pnl_reads_as_its_readme_says() {
    assert_eq!(detect(JETWAY_PNL.as_bytes()), Some(Format::Pnl));
    let m = pnl("jetway-sample.pnl", JETWAY_PNL, date(2026, 7, 1));
    assert_eq!(m.parts, 1);
    assert_eq!(m.sent_at, None);
    let f = &m.manifest;
    assert_eq!(f.flight.to_string(), "TP1234");
    assert_eq!(f.local_date, date(2026, 7, 16));
    assert_eq!(f.origin.as_str(), "LIS");
    assert_eq!(
        names(&f.passengers),
        [
            "ALMEIDA/RUI MR",
            "COSTA/ANA MRS",
            "COSTA/TIAGO MSTR",
            "BRAGA/LUISA MS",
            "DUARTE/CARLOS MR"
        ]
    );
    let dest: Vec<(&str, Option<char>, usize)> = f
        .passengers
        .iter()
        .map(|p| (p.destination.as_str(), p.booking_class, p.line))
        .collect();
    assert_eq!(
        dest,
        [
            ("OPO", Some('Y'), 4),
            ("OPO", Some('Y'), 5),
            ("OPO", Some('Y'), 5),
            ("FAO", Some('Y'), 7),
            ("FAO", Some('Y'), 8)
        ]
    );
    assert_eq!(f.passengers[0].locator.as_ref().unwrap().as_str(), "A1B2C3");
    assert_eq!(f.passengers[4].locator.as_ref().unwrap().as_str(), "X9Y8Z7");
    assert_eq!(f.passengers[1].traveller_class, TravellerClass::Adult);
    assert_eq!(f.passengers[2].traveller_class, TravellerClass::Child);
    assert_eq!(f.passengers[3].ssr_codes, ["WCHR"]);
}

#[test]
fn jetway_adl_reads_as_its_readme_says() {
    assert_eq!(detect(JETWAY_ADL.as_bytes()), Some(Format::Adl));
    let c = adl("jetway-sample.adl", JETWAY_ADL, date(2026, 7, 1));
    assert_eq!(c.flight.to_string(), "TP1234/16JUL LIS");
    assert_eq!(names(&c.dels), ["ALMEIDA/RUI MR"]);
    assert_eq!(names(&c.adds), ["MOTA/INES MS"]);
    assert!(c.chgs.is_empty());
    assert_eq!(c.adds[0].ssr_codes, ["VGML"]);
    assert_eq!(c.adds[0].destination.as_str(), "OPO");
}

#[test]
fn a_real_layout_pnl_in_two_parts_yields_every_element() {
    let m = pnl("ib3166.pnl", OWN_PNL, date(2026, 11, 20));
    assert_eq!(m.parts, 2);
    assert_eq!(
        m.sent_at,
        Some(date(2026, 11, 20).and_hms_opt(8, 30, 0).unwrap())
    );
    let f = &m.manifest;
    assert_eq!(f.key().to_string(), "IB3166/22NOV MAD");
    assert_eq!(
        names(&f.passengers),
        [
            "VANDERBERG/PIETER MR",
            "SCHUELLER/JUERGEN MR",
            "GARCIAPENA/MARIAJOSE MRS",
            "GARCIAPENA/LUCAS MSTR",
            "COSTA/ANA MRS",
            "COSTA/TIAGO MSTR",
            "MUELLER/SOPHIE MS"
        ]
    );
    let [pieter, juergen, maria, lucas, ana, tiago, sophie] = &f.passengers[..] else {
        panic!("seven passengers expected");
    };
    assert_eq!(pieter.booking_class, Some('C'));
    assert_eq!(
        pieter.docs_name,
        Some(BookingName::new("VAN DER BERG", "PIETER JAN", None).unwrap())
    );
    assert_eq!(pieter.email.as_deref(), Some("p_vanderberg@example.nl"));
    assert_eq!(pieter.phone.as_deref(), Some("+31612345678"));
    assert_eq!(pieter.date_of_birth, Some(date(1974, 4, 3)));
    assert_eq!(pieter.gender, Some(Gender::Male));
    assert_eq!(pieter.nationality.as_deref(), Some("NL"));
    let ff = pieter.frequent_flyer.as_ref().unwrap();
    assert_eq!((ff.0.as_str(), ff.1.as_str()), ("KL", "1234567890"));

    assert_eq!(juergen.locator.as_ref().unwrap().as_str(), "K9D3WE");
    assert_eq!(juergen.other_locators[0].as_str(), "7HGT2P");
    assert_eq!(juergen.docs_name.as_ref().unwrap().given, "JUERGEN");
    assert_eq!(juergen.ssr_codes, ["WCHR"]);

    assert_eq!(maria.line, 23);
    assert_eq!(
        maria.party,
        Some(Party {
            tie: "A".into(),
            size: 2
        })
    );
    assert_eq!(maria.date_of_birth, Some(date(1981, 3, 12)));
    assert_eq!(maria.email.as_deref(), Some("maria.garcia@example.es"));
    let infant = maria.infant.as_ref().unwrap();
    assert_eq!(
        infant.name.as_ref().unwrap().to_string(),
        "GARCIAPENA/LUCIA"
    );
    assert_eq!(infant.date_of_birth, Some(date(2025, 1, 12)));
    assert_eq!(lucas.date_of_birth, Some(date(2016, 6, 4)));
    assert_eq!(lucas.traveller_class, TravellerClass::Child);

    assert_eq!(ana.line, tiago.line);
    assert_eq!(ana.email, tiago.email);
    assert_eq!(ana.ssr_codes, ["VGML"]);
    assert!(tiago.ssr_codes.is_empty());
    assert_eq!(tiago.date_of_birth, Some(date(2018, 9, 9)));
    assert_eq!(ana.date_of_birth, Some(date(1985, 2, 22)));
    assert_eq!(
        ana.docs_name.as_ref().unwrap().to_string(),
        "DA COSTA/ANA SOFIA"
    );
    assert_eq!(ana.nationality.as_deref(), Some("PRT"));
    assert_eq!(sophie.seat.as_ref().unwrap().to_string(), "23C");
    assert_eq!(sophie.gender, Some(Gender::Female));
}

#[test]
fn a_two_part_adl_keeps_its_sections_across_parts() {
    let c = adl("ib3166.adl", OWN_ADL, date(2026, 11, 20));
    assert_eq!(c.parts, 2);
    assert_eq!(
        c.sent_at,
        Some(date(2026, 11, 21).and_hms_opt(14, 15, 0).unwrap())
    );
    assert_eq!(names(&c.dels), ["MUELLER/SOPHIE MS"]);
    assert_eq!(names(&c.adds), ["FERNANDEZ/JOSELUIS MR", "DEJONG/EVA MS"]);
    assert_eq!(names(&c.chgs), ["COSTA/ANA MRS"]);
    assert_eq!(c.chgs[0].seat.as_ref().unwrap().to_string(), "12A");
    assert_eq!(c.adds[1].docs_name.as_ref().unwrap().surname, "DE JONG");
}

#[test]
fn a_pnl_given_as_an_adl_is_refused() {
    let e = errors_of(Some(Format::Adl), JETWAY_PNL.as_bytes());
    assert!(
        e.to_string()
            .contains("the file holds a PNL, not the ADL it was given as"),
        "{e}"
    );
}

fn own_pnl_with(from: &str, to: &str) -> String {
    assert!(OWN_PNL.contains(from), "{from}");
    OWN_PNL.replacen(from, to, 1)
}

fn one_error(text: &str) -> ParseError {
    let e = errors_of(None, text.as_bytes());
    assert_eq!(e.errors.len(), 1, "{e}");
    e.errors[0].clone()
}

#[test]
fn a_truncated_pnl_says_it_ends_inside_a_part() {
    let cut = &OWN_PNL[..OWN_PNL.find("1MUELLER").unwrap()];
    let e = errors_of(None, cut.as_bytes());
    assert!(
        e.to_string()
            .contains("ends inside part 2 without ENDPART2 or ENDPNL: truncated?"),
        "{e}"
    );
}

/// The parts of a file, when it holds parts of a message and not a whole one.
fn parts_of(text: &str) -> Vec<MessagePart> {
    match parse("in", text.as_bytes(), None, date(2026, 11, 20)) {
        Ok(Document::Parts(parts)) => parts,
        other => panic!("expected parts, got {other:?}"),
    }
}

fn own_pnl_part(number: usize) -> &'static str {
    let end = OWN_PNL.find("ENDPART1\n").unwrap() + "ENDPART1\n".len();
    if number == 1 {
        &OWN_PNL[..end]
    } else {
        &OWN_PNL[end..]
    }
}

#[test]
fn a_part_alone_says_which_part_of_which_message_it_is() {
    let first = parts_of(own_pnl_part(1));
    assert_eq!(first.len(), 1);
    let p = &first[0];
    assert_eq!(
        (p.format, p.number, p.last, p.first_line),
        (Format::Pnl, 1, false, 1)
    );
    assert_eq!(p.flight.to_string(), "IB3166/22NOV MAD");
    assert_eq!(p.rows, 4);
    assert_eq!(
        p.message_key(),
        "PNL IB3166 2026-11-22 MAD 2026-11-20T08:30"
    );
    let second = parts_of(own_pnl_part(2));
    let p = &second[0];
    assert_eq!((p.number, p.last, p.rows), (2, true, 3));
    assert_eq!(p.message_key(), first[0].message_key());
}

#[test]
fn parts_read_together_give_the_message_of_one_file() {
    let whole = pnl("whole.pnl", OWN_PNL, date(2026, 11, 20));
    let (one, two) = (parts_of(own_pnl_part(1)), parts_of(own_pnl_part(2)));
    let delivered = [
        DeliveredPart {
            file_name: "a.pnl",
            first_line: one[0].first_line,
            text: &one[0].text,
        },
        DeliveredPart {
            file_name: "b.pnl",
            first_line: two[0].first_line,
            text: &two[0].text,
        },
    ];
    let Ok((Document::Pnl(joined), _)) =
        assemble(&delivered, Format::Pnl, date(2026, 11, 20), None)
    else {
        panic!("the parts make a PNL");
    };
    assert_eq!(joined.manifest, whole.manifest);
    assert_eq!((joined.sent_at, joined.parts), (whole.sent_at, 2));
}

#[test]
fn an_error_found_once_parts_are_together_names_the_file_and_line_of_its_part() {
    let miscounted = own_pnl_part(2).replace("-BCN005Y", "-BCN006Y");
    let (one, two) = (parts_of(own_pnl_part(1)), parts_of(&miscounted));
    let delivered = [
        DeliveredPart {
            file_name: "a.pnl",
            first_line: 1,
            text: &one[0].text,
        },
        DeliveredPart {
            file_name: "b.pnl",
            first_line: 1,
            text: &two[0].text,
        },
    ];
    let e = assemble(&delivered, Format::Pnl, date(2026, 11, 20), None).unwrap_err();
    let places: Vec<(&str, usize)> = e.errors.iter().map(|e| (e.file.as_str(), e.line)).collect();
    assert!(places.contains(&("b.pnl", 5)), "{e}");
}

#[test]
fn missing_duplicated_and_out_of_order_parts_are_named() {
    // Parts 1 and 3 in one file: part 2 may still come, so they are parts to hold.
    let skipped = own_pnl_with("MAD PART2", "MAD PART3");
    let numbers: Vec<u16> = parts_of(&skipped).iter().map(|p| p.number).collect();
    assert_eq!(numbers, [1, 3]);
    let twice = own_pnl_with(
        "ENDPART1\n",
        "ENDPART1\nPNL\nIB3166/22NOV MAD PART1\nENDPART1\n",
    );
    let e = one_error(&twice);
    assert!(e.reason.contains("part 1 comes again"), "{e}");
    let same_twice = format!("{}{}", own_pnl_part(2), own_pnl_part(2));
    assert_eq!(parts_of(&same_twice).len(), 1);
    let other_flight = own_pnl_with("IB3166/22NOV MAD PART2", "IB3167/22NOV MAD PART2");
    assert!(one_error(&other_flight).reason.contains("another flight"));
    let no_destination = own_pnl_part(2).replace("-BCN005Y\n", "");
    let e = errors_of(None, no_destination.as_bytes());
    assert!(
        e.errors[0]
            .reason
            .contains("must repeat the destination line"),
        "{e}"
    );
}

#[test]
fn impossible_dates_are_refused_with_their_field() {
    let e = one_error(&own_pnl_with(
        "IB3166/22NOV MAD PART1",
        "IB3166/31FEB MAD PART1",
    ));
    assert_eq!((e.line, e.field.as_deref()), (4, Some("flight date")));
    // A DOCS date is a value: it is left out with a warning, and the rest of the DOCS kept.
    let text = own_pnl_with("12MAR81", "31FEB81");
    let warnings = warnings_of("own.pnl", &text);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("DOCS: date of birth:"), "{warnings:?}");
    assert!(
        warnings[0].ends_with("it is left out, the rest kept"),
        "{warnings:?}"
    );
}

#[test]
fn long_pnl_lines_are_errors() {
    let long = format!("1GARCIAPENA/MARIAJOSEMRS-A2 .R/OTHS HK1 {}", "X".repeat(40));
    let e = one_error(&own_pnl_with("1GARCIAPENA/MARIAJOSEMRS-A2", &long));
    assert_eq!(e.line, 23);
    assert!(e.reason.contains("at most 64"));
    let e = errors_of(
        None,
        format!("PNL\n{}\n", "A".repeat(10_000_000)).as_bytes(),
    );
    assert_eq!(e.errors[0].line, 2);
    assert!(e.errors[0].reason.contains("10000000 bytes long"));
}

#[test]
fn declared_totals_must_match_the_names() {
    let e = one_error(&own_pnl_with("-BCN002C", "-BCN003C"));
    assert_eq!((e.line, e.field.as_deref()), (7, Some("destination line")));
    assert!(
        e.reason
            .contains("BCN class C announces 3 passengers but 2 are listed")
    );
}

#[test]
fn name_line_counts_must_match_the_names() {
    let e = errors_of(
        None,
        own_pnl_with("2COSTA/ANAMRS/TIAGOMSTR", "3COSTA/ANAMRS/TIAGOMSTR").as_bytes(),
    );
    let e = &e.errors[0];
    assert_eq!((e.line, e.field.as_deref()), (43, Some("name")));
    assert!(e.reason.contains("counts 3 passengers but names 2"));
}

#[test]
fn unassociated_elements_on_a_shared_line_go_to_its_first_passenger_with_a_warning() {
    // The case from the field: an FQTV and an INFT under a line of two adults, neither with -1NAME.
    let text = own_pnl_with("2COSTA/ANAMRS/TIAGOMSTR-B2", "2COSTA/ANAMRS/RUIMR-B2").replacen(
        ".R/VGML HK1-1COSTA/ANAMRS",
        ".R/FQTV TP 123456789\n.R/INFT HK1 05MAY25 COSTA/RITA",
        1,
    );
    let m = pnl("own.pnl", &text, date(2026, 11, 20));
    let ana = m
        .manifest
        .passengers
        .iter()
        .find(|p| p.name.given == "ANA")
        .unwrap();
    let rui = m
        .manifest
        .passengers
        .iter()
        .find(|p| p.name.given == "RUI")
        .unwrap();
    assert_eq!(
        ana.frequent_flyer
            .as_ref()
            .map(|(a, n)| (a.as_str(), n.as_str())),
        Some(("TP", "123456789"))
    );
    assert_eq!(
        ana.infant
            .as_ref()
            .and_then(|i| i.name.as_ref())
            .map(ToString::to_string)
            .as_deref(),
        Some("COSTA/RITA")
    );
    assert_eq!((&rui.frequent_flyer, &rui.infant), (&None, &None));
    let given_to_the_first: Vec<String> = warnings_of("own.pnl", &text)
        .into_iter()
        .filter(|w| w.contains("it is given to the first passenger of the line, COSTA/ANA"))
        .map(|w| {
            w.split(": the name line holds 2 passengers")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(given_to_the_first, ["49: FQTV", "50: INFT"]);
}

#[test]
fn elements_that_cannot_be_understood_are_left_out_with_a_warning() {
    let text = own_pnl_with(".R/SEAT HK1 23C", ".R/SEAT HK1 2C3\n.R/FQTV 1")
        .replace(".L/M8N7B6", ".L/M8N7B6\n.R/CTCM HK1/CALL ME")
        .replace(".MADRMIB 200830", ".MADRMIB 209930");
    let m = pnl("own.pnl", &text, date(2026, 11, 20));
    let sophie = m
        .manifest
        .passengers
        .iter()
        .find(|p| p.name.surname == "MUELLER")
        .unwrap();
    assert_eq!(
        (&sophie.seat, &sophie.phone, &sophie.frequent_flyer),
        (&None, &None, &None)
    );
    assert_eq!(
        sophie
            .docs_name
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("MUELLER/SOPHIE")
    );
    let fields: Vec<String> = warnings_of("own.pnl", &text)
        .iter()
        .map(|w| w.split(": ").take(2).collect::<Vec<_>>().join(": "))
        .collect();
    assert_eq!(
        fields,
        ["2: originator time", "52: CTCM", "54: SEAT", "55: FQTV"]
    );
}

#[test]
fn binary_and_non_utf8_input_is_located() {
    let mut bytes = OWN_PNL.as_bytes().to_vec();
    let at = OWN_PNL.find("GARCIAPENA/MARIA").unwrap() + 3;
    bytes[at] = 0xC3;
    bytes[at + 1] = 0x28;
    let e = errors_of(None, &bytes);
    assert_eq!(e.errors.len(), 1);
    assert_eq!(e.errors[0].line, 23);
    assert!(
        e.errors[0]
            .reason
            .starts_with("byte 5 of the line (0xC3) is not UTF-8")
    );
    let garbage: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect();
    assert!(parse("g", &garbage, Some(Format::Pnl), date(2026, 1, 1)).is_err());
    assert!(parse("g", &garbage, None, date(2026, 1, 1)).is_err());
}

#[test]
fn errors_are_capped() {
    let mut text = String::from("PNL\nIB3166/22NOV MAD PART1\n-BCN999Y\n");
    for _ in 0..3000 {
        text.push_str("1/ANA\n");
    }
    let e = errors_of(None, text.as_bytes());
    assert_eq!(e.errors.len(), MAX_ERRORS);
    assert!(e.omitted > 0);
}

const CSV_HEADER: &str = "flight,date,origin,destination,surname,given,locator";

#[test]
fn csv_reads_columns_in_any_order_with_a_bom_and_glued_titles() {
    let text = "\u{feff}Locator, surname,given,flight,date,origin,destination,email\n\
                X7K2QM,García Peña,María JoséMRS,IB3166,2026-11-22,MAD,BCN,Maria@Example.ES\n\
                X7K2QM,GARCIAPENA,LUCASMSTR,IB3166,2026-11-22,MAD,BCN,\n\
                K9D3WE,SCHUELLER,JUERGENMR,LH1123,2026-11-22,FRA,MAD,\n";
    let Ok(Document::Rows(flights)) = parse("m.csv", text.as_bytes(), None, date(2026, 11, 20))
    else {
        panic!("expected rows");
    };
    assert_eq!(flights.len(), 2);
    let maria = &flights[0].passengers[0];
    assert_eq!(maria.name.surname, "GARCÍA PEÑA");
    assert_eq!(
        (maria.name.given.as_str(), maria.name.title),
        ("MARÍA JOSÉ", Some(Title::Mrs))
    );
    assert_eq!(maria.email.as_deref(), Some("maria@example.es"));
    assert_eq!(maria.line, 2);
    assert_eq!(
        flights[0].passengers[1].traveller_class,
        TravellerClass::Child
    );
    assert_eq!(flights[1].key().to_string(), "LH1123/22NOV FRA");
}

#[test]
fn csv_missing_columns_refuse_and_unknown_ones_are_read_past_with_a_warning() {
    let e = errors_of(
        Some(Format::Csv),
        b"flight,date,surname,given,locator,shoe_size\n",
    );
    let text = e.to_string();
    assert!(
        text.contains("lacks the required column(s) origin, destination"),
        "{text}"
    );
    let text = format!("{CSV_HEADER},Seat Row\nIB3166,2026-11-22,MAD,BCN,GARCIA,ANA,X7K2QM,12\n");
    assert_eq!(names(&rows_of(&text)), ["GARCIA/ANA"]);
    let warned = warnings_of("in", &text);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].starts_with("1: Seat Row: not a column aboard reads"),
        "{warned:?}"
    );
}

/// Spreadsheets in much of Europe write CSV with semicolons: the header tells.
#[test]
fn a_csv_with_semicolons_is_read_like_one_with_commas() {
    let text = "flight;date;origin;destination;surname;given;locator;email\n\
                IB3166;2026-11-22;MAD;BCN;GARCIA;ANA;X7K2QM;ana@example.es\n";
    let flights = rows_of(text);
    assert_eq!(names(&flights), ["GARCIA/ANA"]);
    assert_eq!(flights[0].email.as_deref(), Some("ana@example.es"));
}

/// A JSON field aboard does not read is left out with one warning for the file, not one per passenger.
#[test]
fn an_unknown_json_field_is_one_warning_for_the_file() {
    let row = |given: &str| {
        format!(
            "{{\"flight\":\"IB3166\",\"date\":\"2026-11-22\",\"origin\":\"MAD\",\"destination\":\"BCN\",\
             \"surname\":\"GARCIA\",\"given\":\"{given}\",\"locator\":\"X7K2QM\",\"seat_colour\":\"red\"}}\n"
        )
    };
    let text = row("ANA") + &row("LUIS");
    assert_eq!(names(&rows_of(&text)), ["GARCIA/ANA", "GARCIA/LUIS"]);
    let warned = warnings_of("in", &text);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].starts_with("1: seat_colour: not a field aboard reads"),
        "{warned:?}"
    );
}

fn rows_of(text: &str) -> Vec<ManifestPassenger> {
    match parse("in", text.as_bytes(), None, date(2026, 11, 20)) {
        Ok(Document::Rows(flights)) => flights.into_iter().flat_map(|f| f.passengers).collect(),
        other => panic!("expected rows, got {other:?}"),
    }
}

#[test]
fn csv_rows_report_every_bad_cell() {
    let text = format!(
        "{CSV_HEADER},date_of_birth,ff_airline\n\
         IB3166,2026-02-30,MAD,BCN,GARCIA,ANA,X7K2QM,1990-13-01,IB\n\
         IB3166,2026-11-22,MAD,,GARCIA,ANA,X7K2QM,,\n\
         IB3166,2026-11-22,MAD,BCN,GARCIA\n"
    );
    let e = errors_of(None, text.as_bytes());
    let shown: Vec<String> = e.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "in:2: date: 2026-02-30 is not a day of the calendar",
            "in:3: destination: missing; this field is required",
            "in:4: the row has 5 fields but the header names 9 columns",
        ]
    );
}

/// A file large enough to be parsed on several threads reads every thread's phones by the default region,
/// and locates a warning on the line of the whole file.
#[test]
fn a_large_csv_reads_its_phones_on_every_thread() {
    let mut text = format!("{CSV_HEADER},phone\n");
    let mut rows = 0;
    while text.len() < 5 << 20 {
        rows += 1;
        text.push_str(&format!(
            "IB{:04},2026-11-22,MAD,BCN,GARCIA,ANA,X7K2QM,600 {:03} 222\n",
            rows / 150 + 1,
            rows / 3 % 1000
        ));
    }
    rows += 1;
    text.push_str("IB9999,2026-11-22,MAD,BCN,LOPEZ,LUIS,K8L9M0,999 9999\n");
    let spain = Reading {
        format: None,
        default_region: Region::parse("ES").ok(),
    };
    let (document, warnings) =
        super::parse("day.csv", text.as_bytes(), spain, date(2026, 11, 20)).unwrap();
    let Document::Rows(flights) = document else {
        panic!("rows expected")
    };
    let phones: Vec<&str> = flights
        .iter()
        .flat_map(|f| &f.passengers)
        .filter_map(|p| p.phone.as_deref())
        .collect();
    assert_eq!(phones.len(), rows);
    let last_row = rows - 1;
    assert!(
        phones[..last_row].iter().all(|p| p.starts_with("+34600")),
        "{:?}",
        phones.iter().find(|p| !p.starts_with("+34600"))
    );
    assert_eq!(phones[last_row], "9999999");
    let warned: Vec<String> = warnings.list.iter().map(|w| w.to_string()).collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].starts_with(&format!("day.csv:{}: phone: ", rows + 1)),
        "{warned:?}"
    );
}

#[test]
fn phones_reach_e164_by_the_nationality_else_the_default_region_else_their_country_code() {
    let text = format!(
        "{CSV_HEADER},phone,nationality\n\
         IB3166,2026-11-22,MAD,BCN,GARCIA,ANA,X7K2QM,600 111 222,ESP\n\
         IB3166,2026-11-22,MAD,BCN,GARCIA,PABLO,X7K2QM,600 111 222,\n\
         IB3166,2026-11-22,MAD,BCN,SMITH,JOHN,Q2W3E4,07911 123456,GBR\n\
         IB3166,2026-11-22,MAD,BCN,JANSEN,EVA,Z1X2C3,31612345678,\n\
         IB3166,2026-11-22,MAD,BCN,COSTA,RUI,P5R6T7,0034 611 222 333,PRT\n\
         IB3166,2026-11-22,MAD,BCN,LOPEZ,LUIS,K8L9M0,555 0100,\n"
    );
    let phones = |reading: Reading| -> (Vec<Option<String>>, Vec<String>) {
        let (document, warnings) =
            super::parse("in.csv", text.as_bytes(), reading, date(2026, 11, 20)).unwrap();
        let Document::Rows(flights) = document else {
            panic!("rows expected")
        };
        (
            flights[0]
                .passengers
                .iter()
                .map(|p| p.phone.clone())
                .collect(),
            warnings.list.iter().map(|w| w.to_string()).collect(),
        )
    };
    let (read, warned) = phones(Reading::default());
    let e164 = |n: &str| Some(n.to_string());
    assert_eq!(
        read,
        [
            e164("+34600111222"),
            // No nationality, no default region, and 600… is no country code: kept as digits.
            e164("600111222"),
            e164("+447911123456"),
            e164("+31612345678"),
            e164("+34611222333"),
            e164("5550100"),
        ]
    );
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert!(
        warned[0].starts_with(
            "in.csv:3: phone: 600111222 is kept as its digits: it has no country code"
        ),
        "{warned:?}"
    );
    assert!(warned[1].starts_with("in.csv:7: phone: "), "{warned:?}");
    let spain = Reading {
        format: None,
        default_region: Region::parse("ES").ok(),
    };
    let (read, warned) = phones(spain);
    assert_eq!(read[1], e164("+34600111222"));
    assert_eq!(
        read[3],
        e164("+31612345678"),
        "a number with its country code stays its country's"
    );
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains("it is a number of neither ES nor any country with its country code"),
        "{warned:?}"
    );
}

#[test]
fn values_that_cannot_be_understood_are_warnings_and_the_passenger_is_kept() {
    let text = format!(
        "{CSV_HEADER},email,phone,date_of_birth,ff_airline,seat,ssr,gender,title\n\
         IB3166,2026-11-22,MAD,BCN,GARCIA,ANA,X7K2QM,maria garcia@example.es,34 600 CALL ME,1990-13-01,IB,12,WCHR VEGETARIAN,Q,SIR\n\
         IB3166,2026-11-22,MAD,BCN,COSTA,TIAGO,X7K2QM,Tiago@Example.PT,,,,,,,\n"
    );
    let flights = match parse("in", text.as_bytes(), None, date(2026, 11, 20)) {
        Ok(Document::Rows(flights)) => flights,
        other => panic!("expected rows, got {other:?}"),
    };
    let ana = &flights[0].passengers[0];
    assert_eq!(names(&flights[0].passengers), ["GARCIA/ANA", "COSTA/TIAGO"]);
    assert_eq!(
        (&ana.email, &ana.phone, ana.date_of_birth),
        (&None, &None, None)
    );
    assert_eq!(
        (&ana.frequent_flyer, &ana.seat, ana.gender),
        (&None, &None, None)
    );
    assert_eq!(ana.ssr_codes, ["WCHR"]);
    assert_eq!(ana.name.title, None);
    let fields: Vec<String> = warnings_of("in", &text)
        .iter()
        .map(|w| w.split(": ").take(2).collect::<Vec<_>>().join(": "))
        .collect();
    assert_eq!(
        fields,
        [
            "2: title",
            "2: seat",
            "2: ff_number",
            "2: email",
            "2: phone",
            "2: date_of_birth",
            "2: gender",
            "2: ssr",
        ]
    );
    let email = warnings_of("in", &text).remove(3);
    assert_eq!(
        email,
        "2: email: \"maria garcia@example.es\" is not an e-mail address; the value is left out, the \
         passenger kept"
    );
}

#[test]
fn csv_with_windows_line_endings_reports_the_same_lines() {
    let text = format!(
        "{CSV_HEADER}\r\n\
         IB3166,2026-11-22,MAD,BCN,GARCIA,ANA,X7K2QM\r\n\
         IB3166,2026-11-22,MAD,,GARCIA,ANA,X7K2QM\r\n\
         IB3166,2026-11-22,MAD,BCN,GARCIA\r\n"
    );
    let e = errors_of(None, text.as_bytes());
    let shown: Vec<String> = e.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "in:3: destination: missing; this field is required",
            "in:4: the row has 5 fields but the header names 7 columns",
        ]
    );
}

/// A CSV body large enough to be read on several threads: flights take turns (so each one's rows fall
/// in every part), with CRLF line ends; `quote` puts one field in quotes, which keeps it on one thread.
fn large_csv(bad_lines: &[usize], quote: bool) -> String {
    let mut text = format!("{CSV_HEADER}\r\n");
    let mut line = 1;
    while text.len() < 6 << 20 {
        line += 1;
        let flight = 3000 + line % 7;
        let destination = if bad_lines.contains(&line) { "" } else { "BCN" };
        let surname = if quote && line == 2 {
            "\"GARCIA\""
        } else {
            "GARCIA"
        };
        text.push_str(&format!(
            "IB{flight},2026-11-22,MAD,{destination},{surname},ANA{},L{:05}\r\n",
            (b'A' + (line % 26) as u8) as char,
            line % 100_000
        ));
    }
    text
}

#[test]
fn a_large_csv_read_on_several_threads_keeps_file_order_and_line_numbers() {
    let rows = large_csv(&[], false).lines().count() - 1;
    let last = rows + 1;
    let bad = [3, rows / 2 + 1, last - 1];
    let e = errors_of(None, large_csv(&bad, false).as_bytes());
    let lines: Vec<usize> = e.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, bad, "every bad row, in file order, at its own line");

    let parse_all = |text: String| match parse("in", text.as_bytes(), None, date(2026, 11, 20)) {
        Ok(Document::Rows(manifests)) => manifests,
        other => panic!("expected rows, got {other:?}"),
    };
    let split = parse_all(large_csv(&[], false));
    let whole = parse_all(large_csv(&[], true));
    assert_eq!(split.len(), 7);
    assert_eq!(split, whole, "split reading equals one-thread reading");
    let lines_of_first: Vec<usize> = split[0].passengers.iter().map(|p| p.line).collect();
    assert!(
        lines_of_first.windows(2).all(|w| w[0] < w[1]),
        "passengers in file order"
    );
    assert_eq!(
        split.iter().map(|m| m.passengers.len()).sum::<usize>(),
        rows
    );
}

#[test]
fn json_arrays_and_lines_read_alike_and_unknown_fields_are_errors() {
    let array = "[\n {\"flight\":\"IB3166\",\"date\":\"2026-11-22\",\"origin\":\"MAD\",\"destination\":\"BCN\",\
                 \"surname\":\"COSTA\",\"given\":\"ANA\",\"title\":\"MRS\",\"locator\":\"Q2W3E4\",\"checkin_seq\":17},\n\
                 {\"flight\":\"IB3166\",\"date\":\"2026-11-22\",\"origin\":\"MAD\",\"destination\":\"BCN\",\
                 \"surname\":\"COSTA\",\"given\":\"TIAGOMSTR\",\"locator\":\"Q2W3E4\"}\n]";
    let Ok(Document::Rows(flights)) = parse("a.json", array.as_bytes(), None, date(2026, 11, 20))
    else {
        panic!("expected rows");
    };
    let p = &flights[0].passengers;
    assert_eq!((p[0].checkin_sequence, p[0].line), (Some(17), 2));
    assert_eq!((p[1].name.title, p[1].line), (Some(Title::Mstr), 3));
    let lines = array
        .trim_start_matches('[')
        .trim_end_matches(']')
        .replace("},\n", "}\n");
    let Ok(Document::Rows(again)) = parse(
        "a.jsonl",
        lines.as_bytes(),
        Some(Format::Json),
        date(2026, 11, 20),
    ) else {
        panic!("expected rows");
    };
    assert_eq!(again[0].passengers.len(), 2);
    let bad = "{\"flight\":\"IB3166\",\"seat_colour\":\"red\"}\n";
    let e = errors_of(Some(Format::Json), bad.as_bytes());
    assert!(
        !e.to_string().contains("seat_colour"),
        "an unknown field is no error: {e}"
    );
    let e = errors_of(Some(Format::Json), b"[{\"flight\": }]");
    assert_eq!(e.errors[0].line, 1);
}

#[test]
fn unknown_formats_are_refused() {
    let e = errors_of(None, b"hello world\n");
    assert!(e.errors[0].reason.starts_with("cannot tell the format"));
}

mod round_trip {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::{CarrierCode, FlightNumber, Iata, Locator, Seat};

    const SURNAMES: &[&str] = &[
        "GARCIAPENA",
        "FERNANDEZ",
        "DA SILVA",
        "COSTA",
        "VAN DER BERG",
        "DE JONG",
        "MUELLER",
        "SCHUELLER",
        "OLIVEIRA",
        "JANSEN",
        "O'NEILL",
        "GARCIA-LOPEZ",
        "BAKKER",
        "WEISS",
    ];
    const GIVENS: &[&str] = &[
        "MARIAJOSE",
        "LUCAS",
        "ANA SOFIA",
        "JOAO",
        "PIETER",
        "EVA",
        "JUERGEN",
        "SOPHIE",
        "TIAGO",
        "INES",
        "FRANCISCO",
        "LOTTE",
        "KLAUS",
    ];
    const TITLES: &[Option<Title>] = &[
        None,
        Some(Title::Mr),
        Some(Title::Mrs),
        Some(Title::Ms),
        Some(Title::Miss),
        Some(Title::Mstr),
        Some(Title::Chd),
        Some(Title::Dr),
        Some(Title::Prof),
    ];

    fn name() -> impl Strategy<Value = BookingName> {
        (
            prop::sample::select(SURNAMES),
            prop::sample::select(GIVENS),
            prop::sample::select(TITLES),
        )
            .prop_map(|(s, g, t)| BookingName::new(s, g, t).unwrap())
    }

    fn plain_name() -> impl Strategy<Value = BookingName> {
        (prop::sample::select(SURNAMES), prop::sample::select(GIVENS))
            .prop_map(|(s, g)| BookingName::new(s, g, None).unwrap())
    }

    fn birth() -> impl Strategy<Value = NaiveDate> {
        (0i64..30_000).prop_map(|d| date(2026, 11, 20) - chrono::Duration::days(d))
    }

    fn code(len: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789".as_slice()),
            len,
        )
        .prop_map(|v| String::from_utf8(v).unwrap())
    }

    fn passenger(with_checkin: bool) -> impl Strategy<Value = ManifestPassenger> {
        let identity = (
            name(),
            prop::option::of(plain_name()),
            code(6),
            prop::collection::vec(code(6), 0..2),
            prop::option::of((1u16..60, prop::sample::select(b"ABCDEFK".as_slice()))),
            prop::sample::select(b"CJYBM".as_slice()),
            prop::sample::select(&["BCN", "LIS", "AMS", "FRA"][..]),
        );
        let contact = (
            prop::option::of((
                prop::sample::select(&["IB", "KL", "LH", "TP"][..]),
                "[0-9]{6,12}",
            )),
            prop::option::of("[a-z]{1,8}([._-][a-z0-9]{1,6})?@[a-z]{2,8}\\.(es|nl|de|pt)"),
            // Numbers their plans read: a phone comes back from a file in E.164.
            prop::option::of(
                prop::sample::select(&["+34600111222", "+31612345678", "+351912345678"][..])
                    .prop_map(String::from),
            ),
            prop::option::of(birth()),
            prop::option::of(prop::sample::select(
                &[Gender::Female, Gender::Male, Gender::Unspecified][..],
            )),
            prop::option::of(prop::sample::select(&["ES", "PRT", "NLD", "DE"][..])),
        );
        let extra = (
            prop::option::of((prop::option::of(plain_name()), prop::option::of(birth()))),
            prop::collection::vec(
                prop::sample::select(&["WCHR", "VGML", "MOML", "BLND", "DEAF"][..]),
                0..3,
            ),
            prop::option::of(1u32..400),
        );
        (identity, contact, extra).prop_map(move |(identity, contact, extra)| {
            let (name, docs_name, locator, others, seat, class, destination) = identity;
            let (ff, email, phone, dob, gender, nationality) = contact;
            let (infant, ssr, checkin) = extra;
            let mut ssr_codes = Vec::new();
            for s in ssr {
                fields::push_unique(&mut ssr_codes, s.to_string());
            }
            let locator = Locator::parse(&locator).unwrap();
            let mut other_locators: Vec<Locator> = Vec::new();
            for o in others {
                let o = Locator::parse(&o).unwrap();
                if o != locator && !other_locators.contains(&o) {
                    other_locators.push(o);
                }
            }
            ManifestPassenger {
                traveller_class: name.traveller_class(),
                name,
                docs_name,
                locator: Some(locator),
                other_locators,
                seat: seat.map(|(row, col)| Seat::parse(&format!("{row}{}", col as char)).unwrap()),
                booking_class: Some(class as char),
                destination: Iata::parse(destination).unwrap(),
                party: None,
                frequent_flyer: ff.map(|(a, n)| (CarrierCode::parse(a).unwrap(), n)),
                email,
                phone,
                date_of_birth: dob,
                gender,
                nationality: nationality.map(String::from),
                // An infant the data knows nothing about cannot be told apart from none in a CSV row.
                infant: infant
                    .filter(|(name, dob)| name.is_some() || dob.is_some())
                    .map(|(name, date_of_birth)| Infant {
                        name,
                        date_of_birth,
                    }),
                ssr_codes,
                checkin_sequence: checkin.filter(|_| with_checkin),
                line: 0,
            }
        })
    }

    /// A manifest as a PNL lists it: grouped by destination and class, parties booked together.
    fn manifest(with_checkin: bool) -> impl Strategy<Value = FlightManifest> {
        (
            prop::sample::select(&["IB3166", "KL1702", "TP1234", "LH1123"][..]),
            -150i64..150,
            prop::collection::vec((passenger(with_checkin), 1usize..4), 1..25),
        )
            .prop_map(|(flight, offset, groups)| {
                let mut passengers: Vec<ManifestPassenger> = Vec::new();
                for (index, (first, size)) in groups.into_iter().enumerate() {
                    let party = (size > 1).then(|| Party {
                        tie: party_tie(index),
                        size: size as u16,
                    });
                    for member in 0..size {
                        let mut p = first.clone();
                        p.party = party.clone();
                        if member > 0 {
                            p.seat = None;
                            p.frequent_flyer = None;
                        }
                        passengers.push(p);
                    }
                }
                let mut blocks: Vec<(Iata, Option<char>)> = Vec::new();
                for p in &passengers {
                    let key = (p.destination.clone(), p.booking_class);
                    if !blocks.contains(&key) {
                        blocks.push(key);
                    }
                }
                passengers.sort_by_key(|p| {
                    blocks
                        .iter()
                        .position(|b| b.0 == p.destination && b.1 == p.booking_class)
                });
                FlightManifest {
                    flight: FlightNumber::parse(flight).unwrap(),
                    local_date: date(2026, 11, 20) + chrono::Duration::days(offset),
                    origin: Iata::parse("MAD").unwrap(),
                    passengers,
                    scheduled_departure: None,
                    scheduled_arrival: None,
                }
            })
    }

    fn party_tie(index: usize) -> String {
        let letter = |i: usize| (b'A' + (i % 26) as u8) as char;
        if index < 26 {
            letter(index).to_string()
        } else {
            format!("{}{}", letter(index / 26 - 1), letter(index))
        }
    }

    fn without_lines(mut manifests: Vec<FlightManifest>) -> Vec<FlightManifest> {
        for m in &mut manifests {
            for p in &mut m.passengers {
                p.line = 0;
            }
        }
        manifests
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn pnl_round_trips(m in manifest(false), per_part in 1usize..40, minutes in 0i64..20_000) {
            let sent_at = date(2026, 11, 15).and_hms_opt(0, 0, 0).unwrap()
                + chrono::Duration::minutes(minutes);
            let text = write_pnl(&m, Some(sent_at), per_part);
            for line in text.lines() {
                prop_assert!(line.len() <= MAX_TYPEB_LINE, "{line}");
            }
            let parsed = parse("gen.pnl", text.as_bytes(), None, date(2026, 11, 20));
            let Ok(Document::Pnl(parsed)) = parsed else {
                return Err(TestCaseError::fail(format!("{parsed:?}\n{text}")));
            };
            prop_assert_eq!(parsed.sent_at, Some(sent_at));
            prop_assert_eq!(without_lines(vec![parsed.manifest]), vec![m]);
        }

        #[test]
        fn adl_round_trips(a in manifest(false), d in manifest(false), per_part in 1usize..40) {
            let changes = ManifestChanges {
                flight: a.key(),
                sent_at: None,
                parts: 0,
                adds: a.passengers.clone(),
                dels: d.passengers.clone(),
                chgs: a.passengers.iter().take(2).cloned().collect(),
            };
            let text = write_adl(&changes, per_part);
            let parsed = parse("gen.adl", text.as_bytes(), None, date(2026, 11, 20));
            let Ok(Document::Adl(mut parsed)) = parsed else {
                return Err(TestCaseError::fail(format!("{parsed:?}\n{text}")));
            };
            prop_assert!(parsed.parts >= 1);
            parsed.parts = 0;
            for p in parsed.adds.iter_mut().chain(parsed.dels.iter_mut()).chain(parsed.chgs.iter_mut()) {
                p.line = 0;
            }
            prop_assert_eq!(parsed, changes);
        }

        #[test]
        fn csv_and_json_round_trip(flights in prop::collection::vec(manifest(true), 1..4)) {
            let mut expected: Vec<FlightManifest> = Vec::new();
            for m in flights {
                match expected.iter_mut().find(|e| e.key() == m.key()) {
                    Some(known) => known.passengers.extend(m.passengers),
                    None => expected.push(m),
                }
            }
            for m in &mut expected {
                let mut sizes = std::collections::HashMap::new();
                for p in &m.passengers {
                    if let Some(party) = &p.party {
                        *sizes.entry(party.tie.clone()).or_insert(0u16) += 1;
                    }
                }
                for p in &mut m.passengers {
                    if let Some(party) = &mut p.party {
                        party.size = sizes[&party.tie];
                    }
                }
            }
            let csv = write_csv(&expected);
            let parsed = parse("gen.csv", csv.as_bytes(), None, date(2026, 11, 20));
            let Ok(Document::Rows(parsed)) = parsed else {
                return Err(TestCaseError::fail(format!("{parsed:?}\n{csv}")));
            };
            prop_assert_eq!(without_lines(parsed), expected.clone());
            let json = write_json_lines(&expected);
            let parsed = parse("gen.jsonl", json.as_bytes(), None, date(2026, 11, 20));
            let Ok(Document::Rows(parsed)) = parsed else {
                return Err(TestCaseError::fail(format!("{parsed:?}\n{json}")));
            };
            prop_assert_eq!(without_lines(parsed), expected);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600),
                                       format in prop::option::of(prop::sample::select(&[Format::Pnl, Format::Adl, Format::Csv, Format::Json][..]))) {
            let _ = parse("any", &bytes, format, date(2026, 11, 20));
        }

        #[test]
        fn mangled_pnls_never_panic(cut in 0usize..2000, flip in 0usize..2000, byte in b' '..b'~') {
            let mut bytes = OWN_PNL.as_bytes().to_vec();
            let at = flip % bytes.len();
            bytes[at] = byte;
            bytes.truncate(cut.max(1) % (bytes.len() + 1));
            let _ = parse("mangled", &bytes, None, date(2026, 11, 20));
        }
    }
}

#[test]
fn csv_and_json_rows_may_give_the_flights_times_and_an_unreadable_one_is_a_warning() {
    let csv = "flight,date,origin,destination,surname,given,locator,scheduled_departure,scheduled_arrival\n\
               IB3166,2026-11-22,MAD,LIS,GARCIA,ANA,X7K2QM,08:30,2026-11-22T09:05:00+00:00\n\
               IB3166,2026-11-22,MAD,LIS,LOPEZ,LUIS,X7K2QN,09:30,\n\
               IB3170,2026-11-22,MAD,BCN,RUIZ,EVA,X7K2QP,half past eight,\n";
    let Ok((Document::Rows(flights), warnings)) = super::parse(
        "times.csv",
        csv.as_bytes(),
        Reading::default(),
        date(2026, 11, 20),
    ) else {
        panic!("the file is accepted");
    };
    let first = &flights[0];
    assert_eq!(
        first.scheduled_departure,
        Some(ListedTime::Local(
            date(2026, 11, 22).and_hms_opt(8, 30, 0).unwrap()
        ))
    );
    assert_eq!(
        first.scheduled_arrival,
        Some(ListedTime::At(
            date(2026, 11, 22).and_hms_opt(9, 5, 0).unwrap().and_utc()
        ))
    );
    assert_eq!(first.passengers.len(), 2, "the disagreeing row is kept");
    let said: Vec<String> = warnings.list.iter().map(ToString::to_string).collect();
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(
        said[0].starts_with("times.csv:3: scheduled_departure: \"09:30\" disagrees"),
        "{said:?}"
    );
    let second = &flights[1];
    assert_eq!(
        (second.scheduled_departure, second.passengers.len()),
        (None, 1)
    );
    assert!(
        said[1].starts_with("times.csv:4: scheduled_departure: \"half past eight\" is not a time"),
        "{said:?}"
    );
    let json = r#"{"flight":"IB3166","date":"2026-11-22","origin":"MAD","destination":"LIS","surname":"GARCIA","given":"ANA","locator":"X7K2QM","scheduled_departure":"2026-11-22 08:30"}"#;
    let Ok((Document::Rows(flights), _)) = super::parse(
        "times.json",
        json.as_bytes(),
        Reading::default(),
        date(2026, 11, 20),
    ) else {
        panic!("the file is accepted");
    };
    assert_eq!(
        flights[0].scheduled_departure,
        Some(ListedTime::Local(
            date(2026, 11, 22).and_hms_opt(8, 30, 0).unwrap()
        ))
    );
}

/// What reservation systems write between the flight line and the first destination line (CFG, RBD,
/// AVAIL with its leg and class lines) names no passenger: read past, and a line aboard does not know there
/// is a warning, not a refusal. Onward, inbound, weight, corporate and ticket elements are read past too.
#[test]
fn a_pnl_with_availability_and_unknown_header_lines_is_imported() {
    let text = "QU BCNKKIB MADTZIB\n.MADRMIB 211415\nPNL\nIB3166/22NOV MAD PART1\nCFG/012C180Y\n\
                RBD C/CJDI Y/YBHKMLVSNQOAZ\nAVAIL\n MAD  BCN\nC009\nY170\n-BCN000C\n-BCN003Y\n\
                1GARCIA/ANAMRS\n.L/X7K2QM\n.O/IB3170Y23BCNFCO1000HK\n.R/TKNE HK1 0752123456789C1\n\
                .W/K/1/20\n1LOPEZ/LUISMR\n.L/Q2W3E4\n.I/IB3100Y22LPAMAD1130HK\n\
                .R/CTCM HK1/34600111222/ES\n1SMITH/JOHNMR\n.L/ABC123/1A\n.C/CORP123\nENDPNL\n";
    let Ok(Document::Pnl(pnl)) = parse("real.pnl", text.as_bytes(), None, date(2026, 11, 20))
    else {
        panic!("the PNL is refused")
    };
    assert_eq!(
        names(&pnl.manifest.passengers),
        ["GARCIA/ANA MRS", "LOPEZ/LUIS MR", "SMITH/JOHN MR"]
    );
    assert_eq!(
        pnl.manifest.passengers[1].phone.as_deref(),
        Some("+34600111222")
    );
    assert!(
        warnings_of("real.pnl", text).is_empty(),
        "{:?}",
        warnings_of("real.pnl", text)
    );
    let odd = text.replace("AVAIL\n MAD  BCN\nC009\nY170\n", "SEATMAP 3-3\n");
    assert_eq!(
        warnings_of("real.pnl", &odd),
        [
            "7: -: a line aboard does not read before the first destination line; it names no passenger and is left out"
        ]
    );
}

/// The same PNL as a network delivers it: between SOH/STX and ETX, or inside a SITA text envelope. The
/// framing is read past, and a line number still names the file's own line.
#[test]
fn a_pnl_in_transmission_framing_or_a_sita_envelope_is_read_as_the_message() {
    let message = "PNL\nIB3166/22NOV MAD PART1\n-BCN001Y\n1GARCIA/ANAMRS\n.L/X7K2QM\nENDPNL\n";
    let plain = format!("QU BCNKKIB\n.MADRMIB 211415\n{message}");
    let framed = format!("\u{1}QU BCNKKIB\n.MADRMIB 211415\n\u{2}{message}\u{3}");
    let envelope = "=HEADER\nRCV,2026/11/21 14:15\n=PRIORITY\nQU\n=DESTINATION TYPE B\nSTX,BCNKKIB\n\
                    =ORIGIN\nMADRMIB\n=DBLSIG\nXX\n=MSGID\n211415\n=SMI\nPNL\n=TEXT\n";
    let enveloped = format!("{envelope}{message}");
    let read = |text: &str| match parse("in.pnl", text.as_bytes(), None, date(2026, 11, 20)) {
        Ok(Document::Pnl(pnl)) => names(&pnl.manifest.passengers),
        other => panic!("{other:?}"),
    };
    assert_eq!(read(&plain), ["GARCIA/ANA MRS"]);
    assert_eq!(read(&framed), read(&plain));
    assert_eq!(read(&enveloped), read(&plain));
    // The destination line is the file's 18th, after 15 lines of envelope.
    let broken = enveloped.replace("-BCN001Y", "-BCN002Y");
    let errors = parse("in.pnl", broken.as_bytes(), None, date(2026, 11, 20)).unwrap_err();
    assert_eq!(errors.errors[0].line, 18, "{errors}");
}

/// A day of about 5 MB: flights of 150 rows, written a flight at a time, with parties, a phone in
/// every 500th row (phones are slow to read in a debug build) and one that cannot be read, last.
fn streamed_day() -> String {
    let mut text = String::from(
        "flight,date,origin,destination,surname,given,locator,party,phone,docs_surname,docs_given\n",
    );
    let mut row = 0;
    while text.len() < 5 << 20 {
        let flight = row / 150 + 1;
        let surname = format!(
            "GARCIAFERNANDEZ{}{}",
            char::from(b'A' + (row % 150 / 26) as u8),
            char::from(b'A' + (row % 26) as u8)
        );
        text.push_str(&format!(
            "IB{flight:04},2026-11-22,MAD,BCN,{surname},ANAMARIA,X{:05},{},{},{surname},ANAMARIA\n",
            row / 3,
            if row % 3 == 0 { "" } else { "PA" },
            if row % 500 == 0 { "600 111 222" } else { "" },
        ));
        row += 1;
    }
    text.push_str("IB9999,2026-11-22,MAD,BCN,LOPEZ,LUIS,K8L9M0,,999 9999,,\n");
    text
}

fn spain() -> Reading {
    Reading {
        format: None,
        default_region: Region::parse("ES").ok(),
    }
}

/// Every flight [`super::stream_csv`] hands out, and how the stream ended.
fn streamed(name: &str, text: &str) -> (Vec<FlightManifest>, StreamEnd) {
    let mut chunks = super::stream_csv(name, text.as_bytes(), spain())
        .expect("a large CSV streams")
        .expect("its header reads");
    let mut flights = Vec::new();
    let mut handed_out = 0;
    while let Some(part) = chunks.next_flights() {
        assert!(!part.is_empty());
        handed_out += 1;
        flights.extend(part);
    }
    assert!(handed_out > 1 || flights.is_empty(), "{handed_out} parts");
    (flights, chunks.finish())
}

#[test]
fn a_large_csv_streams_the_flights_and_warnings_it_reads_whole() {
    let text = streamed_day();
    let (whole, whole_warnings) =
        super::parse("day.csv", text.as_bytes(), spain(), date(2026, 11, 20)).unwrap();
    let Document::Rows(whole) = whole else {
        panic!("rows expected")
    };
    let (flights, end) = streamed("day.csv", &text);
    let StreamEnd::Read(warnings) = end else {
        panic!("the day streams to its end")
    };
    assert_eq!(flights.len(), whole.len());
    assert!(
        flights == whole,
        "the streamed flights differ from the whole file's"
    );
    assert_eq!(warnings.list, whole_warnings.list);
    assert_eq!(warnings.list.len(), 1, "{:?}", warnings.list);
    assert!(super::stream_csv("small.csv", CSV_HEADER.as_bytes(), spain()).is_none());
}

#[test]
fn a_streamed_csv_with_a_bad_last_row_is_refused_with_the_line_the_whole_reading_gives() {
    let mut text = streamed_day();
    text.push_str("IB9999,2026-11-22,MAD,BCN,,LUIS,K8L9M0,,,,\n");
    let whole = super::parse("day.csv", text.as_bytes(), spain(), date(2026, 11, 20)).unwrap_err();
    let (_, end) = streamed("day.csv", &text);
    let StreamEnd::Refused(errors) = end else {
        panic!("a passenger without a surname refuses the file")
    };
    assert_eq!(errors.to_string(), whole.to_string());
    let lines = text.lines().count();
    assert!(
        errors
            .to_string()
            .contains(&format!("day.csv:{lines}: surname")),
        "{errors}"
    );
}

#[test]
fn a_csv_whose_flight_comes_back_later_does_not_stream() {
    let mut text = streamed_day();
    text.push_str("IB0001,2026-11-22,MAD,BCN,LATE,ROW,K8L9M0,,,,\n");
    let (_, end) = streamed("day.csv", &text);
    assert!(matches!(end, StreamEnd::NotGrouped));
}
