//! CSV and JSON manifests: one row (object) per passenger, any number of flights per file.

use std::collections::{HashMap, HashSet};

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::error::{Collector, ParseErrors};
use super::fields;
use super::{FlightManifest, Gender, Infant, ListedTime, ManifestPassenger, Party};
use crate::domain::ImportWarnings;
use crate::domain::lines::LineIndex;
use crate::domain::{BookingName, FlightKey, FlightNumber, Iata, Locator, Region, Seat, Title};

/// The columns of a manifest CSV file (and the field names of a JSON manifest). Header names are matched
/// without regard to case or surrounding spaces; columns may come in any order; a column not listed here is
/// an error. Empty cells (and JSON `null`) mean "not known".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Flight,
    Date,
    Origin,
    Destination,
    Surname,
    Given,
    Title,
    Locator,
    Seat,
    Class,
    FfAirline,
    FfNumber,
    Email,
    Phone,
    DateOfBirth,
    Gender,
    Nationality,
    Party,
    CheckinSeq,
    DocsSurname,
    DocsGiven,
    InfantSurname,
    InfantGiven,
    InfantDateOfBirth,
    OtherLocators,
    Ssr,
    ScheduledDeparture,
    ScheduledArrival,
}

/// Every column, in the order the writer puts them.
pub const CSV_COLUMNS: [Column; 28] = [
    Column::Flight,
    Column::Date,
    Column::Origin,
    Column::Destination,
    Column::Surname,
    Column::Given,
    Column::Title,
    Column::Locator,
    Column::Seat,
    Column::Class,
    Column::FfAirline,
    Column::FfNumber,
    Column::Email,
    Column::Phone,
    Column::DateOfBirth,
    Column::Gender,
    Column::Nationality,
    Column::Party,
    Column::CheckinSeq,
    Column::DocsSurname,
    Column::DocsGiven,
    Column::InfantSurname,
    Column::InfantGiven,
    Column::InfantDateOfBirth,
    Column::OtherLocators,
    Column::Ssr,
    Column::ScheduledDeparture,
    Column::ScheduledArrival,
];

impl Column {
    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            Column::Flight => "flight",
            Column::Date => "date",
            Column::Origin => "origin",
            Column::Destination => "destination",
            Column::Surname => "surname",
            Column::Given => "given",
            Column::Title => "title",
            Column::Locator => "locator",
            Column::Seat => "seat",
            Column::Class => "class",
            Column::FfAirline => "ff_airline",
            Column::FfNumber => "ff_number",
            Column::Email => "email",
            Column::Phone => "phone",
            Column::DateOfBirth => "date_of_birth",
            Column::Gender => "gender",
            Column::Nationality => "nationality",
            Column::Party => "party",
            Column::CheckinSeq => "checkin_seq",
            Column::DocsSurname => "docs_surname",
            Column::DocsGiven => "docs_given",
            Column::InfantSurname => "infant_surname",
            Column::InfantGiven => "infant_given",
            Column::InfantDateOfBirth => "infant_date_of_birth",
            Column::OtherLocators => "other_locators",
            Column::Ssr => "ssr",
            Column::ScheduledDeparture => "scheduled_departure",
            Column::ScheduledArrival => "scheduled_arrival",
        }
    }

    /// Whether the column must be present and every row must fill it.
    pub fn required(self) -> bool {
        matches!(
            self,
            Column::Flight
                | Column::Date
                | Column::Origin
                | Column::Destination
                | Column::Surname
                | Column::Given
                | Column::Locator
        )
    }

    /// What the column holds, for documentation and error messages.
    pub fn meaning(self) -> &'static str {
        match self {
            Column::Flight => "flight number, carrier and digits (IB3166)",
            Column::Date => "local departure date, YYYY-MM-DD",
            Column::Origin => "IATA code of the departure airport",
            Column::Destination => "IATA code of the passenger's destination",
            Column::Surname => "surname as booked",
            Column::Given => {
                "given names as booked; the title may be glued on (MARIAMRS) when there is no title column"
            }
            Column::Title => "MR, MRS, MS, MISS, MSTR, CHD, INF, DR or PROF",
            Column::Locator => "booking locator (5 to 8 letters or digits)",
            Column::Seat => "seat (12C)",
            Column::Class => "booking class, one letter",
            Column::FfAirline => "frequent-flyer programme airline (IB)",
            Column::FfNumber => "frequent-flyer number",
            Column::Email => "booking e-mail",
            Column::Phone => "mobile phone with country code",
            Column::DateOfBirth => "date of birth, YYYY-MM-DD",
            Column::Gender => "F, M or X",
            Column::Nationality => "two- or three-letter country code",
            Column::Party => {
                "booking tie (one to three letters) shared by passengers booked together"
            }
            Column::CheckinSeq => "check-in sequence number",
            Column::DocsSurname => "surname as in the passport, untruncated",
            Column::DocsGiven => "given names as in the passport, untruncated",
            Column::InfantSurname => "surname of an infant on this passenger's lap",
            Column::InfantGiven => "given names of that infant",
            Column::InfantDateOfBirth => "that infant's date of birth, YYYY-MM-DD",
            Column::OtherLocators => {
                "locators of the booking in other systems, separated by spaces"
            }
            Column::Ssr => "special-service codes (WCHR VGML), separated by spaces",
            Column::ScheduledDeparture => {
                "the flight's scheduled departure: local at the origin (YYYY-MM-DD HH:MM, or HH:MM on \
                 the flight's date) or with an offset (2026-11-22T08:30:00+01:00)"
            }
            Column::ScheduledArrival => {
                "the flight's scheduled arrival: local at the destination, HH:MM the next day when \
                 earlier than the departure, or with an offset"
            }
        }
    }

    fn from_name(raw: &str) -> Option<Column> {
        let wanted = raw.trim();
        CSV_COLUMNS
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(wanted))
    }
}

const COLUMN_COUNT: usize = CSV_COLUMNS.len();

type Cells<'a> = [Option<&'a str>; COLUMN_COUNT];

/// Whether a JSON file is an array (as opposed to one object per line).
pub(crate) fn looks_like_json_array(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'[')
}

/// Gathers rows into flights, keeping the order in which flights first appear.
struct Flights {
    manifests: Vec<FlightManifest>,
    index: HashMap<FlightKey, usize>,
    /// The raw flight, date and origin of the previous row, so that the usual file (rows of one flight
    /// together) validates and looks up each flight once, not once per row.
    last: Option<(String, String, String, usize)>,
}

impl Flights {
    fn new() -> Self {
        Self {
            manifests: Vec::new(),
            index: HashMap::new(),
            last: None,
        }
    }

    /// Adds the flights read from a later part of the same file, passengers after those already here.
    fn absorb(&mut self, later: Flights) {
        for manifest in later.manifests {
            match self.index.get(&manifest.key()) {
                Some(index) => self.manifests[*index]
                    .passengers
                    .extend(manifest.passengers),
                None => {
                    self.index.insert(manifest.key(), self.manifests.len());
                    self.manifests.push(manifest);
                }
            }
        }
        self.last = None;
    }

    fn finish(mut self) -> Vec<FlightManifest> {
        self.manifests.iter_mut().for_each(count_parties);
        self.manifests
    }
}

/// Gives each party member the size of their party, which only the flight's whole list tells.
fn count_parties(manifest: &mut FlightManifest) {
    let mut sizes: HashMap<&str, u16> = HashMap::new();
    for p in &manifest.passengers {
        if let Some(party) = &p.party {
            let size = sizes.entry(party.tie.as_str()).or_default();
            *size = size.saturating_add(1);
        }
    }
    let sizes: HashMap<String, u16> = sizes.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for p in &mut manifest.passengers {
        if let Some(party) = &mut p.party {
            party.size = sizes.get(&party.tie).copied().unwrap_or(1);
        }
    }
}

/// Reads the value of one cell with `parse`, recording a located error on failure.
fn cell<T>(
    errors: &mut Collector<'_>,
    line: usize,
    cells: &Cells<'_>,
    column: Column,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, ()> {
    match cells[column as usize] {
        None if column.required() => {
            errors.push(line, Some(column.name()), "missing; this field is required");
            Err(())
        }
        None => Ok(None),
        Some(raw) => parse(raw).map(Some).map_err(|reason| {
            errors.push(line, Some(column.name()), reason);
        }),
    }
}

fn take<T>(failed: &mut bool, result: Result<Option<T>, ()>) -> Option<T> {
    result.unwrap_or_else(|()| {
        *failed = true;
        None
    })
}

/// Reads an optional value with `parse`: one that cannot be understood is dropped with a warning, and the
/// passenger is kept.
fn value<T>(
    errors: &mut Collector<'_>,
    line: usize,
    cells: &Cells<'_>,
    column: Column,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    let raw = cells[column as usize]?;
    parse(raw)
        .map_err(|reason| errors.warn(line, Some(column.name()), dropped(reason)))
        .ok()
}

/// A warning's reason: why the value is not understood, and that it was left out.
fn dropped(reason: impl std::fmt::Display) -> String {
    format!("{reason}; the value is left out, the passenger kept")
}

fn name_err(e: crate::domain::NameError) -> String {
    e.to_string()
}

/// Validates one row and files it under its flight. Every bad cell of the row is reported: an error for
/// what identifies the flight and the passenger, a warning for any other value, which is dropped.
fn add_row(
    errors: &mut Collector<'_>,
    flights: &mut Flights,
    line: usize,
    cells: &Cells<'_>,
    has_title_column: bool,
) {
    let mut failed = false;
    let flight_index = flight_index(errors, flights, line, cells);
    if let Some(index) = flight_index {
        listed_times(errors, &mut flights.manifests[index], line, cells);
    }
    let destination = take(
        &mut failed,
        cell(errors, line, cells, Column::Destination, |s| {
            Iata::parse(s).map_err(|e| e.to_string())
        }),
    );
    let title = value(errors, line, cells, Column::Title, |s| {
        Title::parse(s).ok_or_else(|| {
            format!("{s:?} is not a title (MR, MRS, MS, MISS, MSTR, CHD, INF, DR, PROF)")
        })
    });
    let name = match (
        cells[Column::Surname as usize],
        cells[Column::Given as usize],
    ) {
        (Some(surname), Some(given)) => {
            let result = if has_title_column {
                BookingName::new(surname, given, title)
            } else {
                let (given, title) = Title::split_from(given);
                BookingName::new(surname, &given, title)
            };
            take(
                &mut failed,
                result
                    .map(Some)
                    .map_err(|e| errors.push(line, Some("surname/given"), name_err(e))),
            )
        }
        _ => {
            for column in [Column::Surname, Column::Given] {
                if cells[column as usize].is_none() {
                    errors.push(line, Some(column.name()), "missing; this field is required");
                }
            }
            failed = true;
            None
        }
    };
    let locator = take(
        &mut failed,
        cell(errors, line, cells, Column::Locator, |s| {
            Locator::parse(s).map_err(|e| e.to_string())
        }),
    );
    let seat = value(errors, line, cells, Column::Seat, |s| {
        Seat::parse(s).map_err(|e| e.to_string())
    });
    let booking_class = value(errors, line, cells, Column::Class, fields::booking_class);
    let frequent_flyer = frequent_flyer(errors, line, cells);
    let email = value(errors, line, cells, Column::Email, fields::email);
    let phone = value(errors, line, cells, Column::Phone, fields::phone);
    let date_of_birth = value(errors, line, cells, Column::DateOfBirth, fields::iso_date);
    let gender = value(errors, line, cells, Column::Gender, |s| {
        Gender::from_letter(s).ok_or_else(|| format!("{s:?} is not F, M or X"))
    });
    let nationality = value(errors, line, cells, Column::Nationality, fields::country);
    let party = value(errors, line, cells, Column::Party, fields::party_tie)
        .map(|tie| Party { tie, size: 0 });
    let checkin_sequence = value(errors, line, cells, Column::CheckinSeq, |s| {
        s.parse::<u32>()
            .map_err(|_| format!("{s:?} is not a sequence number"))
    });
    let docs_name = optional_name(
        errors,
        line,
        cells,
        [Column::DocsSurname, Column::DocsGiven],
    );
    let infant_dob = value(
        errors,
        line,
        cells,
        Column::InfantDateOfBirth,
        fields::iso_date,
    );
    let infant_name = optional_name(
        errors,
        line,
        cells,
        [Column::InfantSurname, Column::InfantGiven],
    );
    let infant = (infant_name.is_some() || infant_dob.is_some()).then_some(Infant {
        name: infant_name,
        date_of_birth: infant_dob,
    });
    let other_locators = each_word(errors, line, cells, Column::OtherLocators, |word| {
        Locator::parse(word).map_err(|e| e.to_string())
    });
    let mut ssr_codes = Vec::new();
    for code in each_word(errors, line, cells, Column::Ssr, fields::ssr_code) {
        fields::push_unique(&mut ssr_codes, code);
    }

    let (Some(index), Some(name), Some(destination), false) =
        (flight_index, name, destination, failed)
    else {
        return;
    };
    let traveller_class = name.traveller_class();
    flights.manifests[index].passengers.push(ManifestPassenger {
        name,
        docs_name,
        locator,
        other_locators,
        seat,
        booking_class,
        destination,
        party,
        frequent_flyer,
        email,
        phone,
        date_of_birth,
        gender,
        nationality,
        traveller_class,
        infant,
        ssr_codes,
        checkin_sequence,
        line,
    });
}

/// The frequent-flyer airline and number, which only mean something together.
fn frequent_flyer(
    errors: &mut Collector<'_>,
    line: usize,
    cells: &Cells<'_>,
) -> Option<(crate::domain::CarrierCode, String)> {
    let airline = value(errors, line, cells, Column::FfAirline, fields::carrier);
    let number = value(
        errors,
        line,
        cells,
        Column::FfNumber,
        fields::frequent_flyer_number,
    );
    match (airline, number) {
        (Some(airline), Some(number)) => Some((airline, number)),
        (airline, _) => {
            let (present, absent) = if airline.is_some() {
                ("ff_airline", "ff_number")
            } else {
                ("ff_number", "ff_airline")
            };
            // When both cells are filled, the invalid one has been reported already.
            let one_cell_empty = cells[Column::FfAirline as usize].is_none()
                != cells[Column::FfNumber as usize].is_none();
            if one_cell_empty {
                errors.warn(
                    line,
                    Some(absent),
                    dropped(format_args!("missing while {present} is given")),
                );
            }
            None
        }
    }
}

/// An optional name given as surname and given-name columns (passport name, infant).
fn optional_name(
    errors: &mut Collector<'_>,
    line: usize,
    cells: &Cells<'_>,
    [surname, given]: [Column; 2],
) -> Option<BookingName> {
    let (surname_text, given_text) = (cells[surname as usize], cells[given as usize]);
    if surname_text.is_none() && given_text.is_none() {
        return None;
    }
    BookingName::new(surname_text.unwrap_or(""), given_text.unwrap_or(""), None)
        .map_err(|e| {
            let field = format!("{}/{}", surname.name(), given.name());
            errors.warn(line, Some(&field), dropped(name_err(e)));
        })
        .ok()
}

/// The words of a list cell read one by one: a word that cannot be understood is dropped with a warning,
/// the others kept.
fn each_word<T>(
    errors: &mut Collector<'_>,
    line: usize,
    cells: &Cells<'_>,
    column: Column,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let Some(raw) = cells[column as usize] else {
        return Vec::new();
    };
    raw.split_whitespace()
        .filter_map(|word| {
            parse(word)
                .map_err(|reason| errors.warn(line, Some(column.name()), dropped(reason)))
                .ok()
        })
        .collect()
}

/// The flight's times a row gives. A time that cannot be read, or that disagrees with the one an earlier
/// row gave, is a warning: the row and the earlier time stand.
fn listed_times(
    errors: &mut Collector<'_>,
    manifest: &mut FlightManifest,
    line: usize,
    cells: &Cells<'_>,
) {
    for column in [Column::ScheduledDeparture, Column::ScheduledArrival] {
        let Some(raw) = cells[column as usize] else {
            continue;
        };
        let Some(time) = ListedTime::parse(raw, manifest.local_date) else {
            errors.warn(
                line,
                Some(column.name()),
                format!(
                    "{raw:?} is not a time (YYYY-MM-DD HH:MM, HH:MM or RFC 3339): the row is kept without it"
                ),
            );
            continue;
        };
        let slot = match column {
            Column::ScheduledDeparture => &mut manifest.scheduled_departure,
            _ => &mut manifest.scheduled_arrival,
        };
        match slot {
            None => *slot = Some(time),
            Some(first) if *first == time => {}
            Some(_) => errors.warn(
                line,
                Some(column.name()),
                format!(
                    "{raw:?} disagrees with the time an earlier row gave this flight: the earlier one is kept"
                ),
            ),
        }
    }
}

/// The manifest a row belongs to, created on first sight.
fn flight_index(
    errors: &mut Collector<'_>,
    flights: &mut Flights,
    line: usize,
    cells: &Cells<'_>,
) -> Option<usize> {
    let raw = (
        cells[Column::Flight as usize],
        cells[Column::Date as usize],
        cells[Column::Origin as usize],
    );
    if let (Some((f, d, o, index)), (Some(rf), Some(rd), Some(ro))) = (&flights.last, raw)
        && f == rf
        && d == rd
        && o == ro
    {
        return Some(*index);
    }
    let flight = cell(errors, line, cells, Column::Flight, |s| {
        FlightNumber::parse(s).map_err(|e| e.to_string())
    });
    let date = cell(errors, line, cells, Column::Date, fields::iso_date);
    let origin = cell(errors, line, cells, Column::Origin, |s| {
        Iata::parse(s).map_err(|e| e.to_string())
    });
    let (Ok(Some(flight)), Ok(Some(local_date)), Ok(Some(origin))) = (flight, date, origin) else {
        return None;
    };
    let key = FlightKey {
        flight,
        local_date,
        origin,
    };
    let index = match flights.index.get(&key) {
        Some(index) => *index,
        None => {
            let index = flights.manifests.len();
            flights.manifests.push(FlightManifest {
                flight: key.flight.clone(),
                local_date: key.local_date,
                origin: key.origin.clone(),
                passengers: Vec::new(),
                scheduled_departure: None,
                scheduled_arrival: None,
            });
            flights.index.insert(key, index);
            index
        }
    };
    if let (Some(rf), Some(rd), Some(ro)) = raw {
        flights.last = Some((rf.to_string(), rd.to_string(), ro.to_string(), index));
    }
    Some(index)
}

fn non_empty(raw: &str) -> Option<&str> {
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then_some(trimmed)
}

pub(crate) fn parse_csv(
    errors: &mut Collector<'_>,
    text: &str,
    default_region: Option<Region>,
) -> Option<Vec<FlightManifest>> {
    let delimiter = crate::domain::lines::csv_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut lines = crate::domain::lines::LineIndex::new(text);
    let mut record = csv::StringRecord::new();
    let header_line = match reader.read_record(&mut record) {
        Ok(true) => record.position().map_or(1, |p| lines.line_at(p.byte())),
        Ok(false) => {
            errors.push(
                1,
                None,
                "the file is empty; expected a header line naming the columns",
            );
            return None;
        }
        Err(e) => {
            errors.push(1, None, format_args!("the header line cannot be read: {e}"));
            return None;
        }
    };
    let columns = read_header(errors, header_line, &record)?;
    let body = usize::try_from(reader.position().byte()).map_or(text.len(), |b| b.min(text.len()));
    let parts = body_parts(text, body);
    let flights = if parts.len() < 2 {
        let mut lines = LineIndex::new(text);
        let mut flights = read_rows(errors, &mut lines, body..text.len(), &columns, delimiter);
        read_phones(errors, &mut flights, default_region);
        flights
    } else {
        let file = errors.file();
        let read: Vec<(Flights, Collector<'_>)> = std::thread::scope(|scope| {
            let workers: Vec<_> = parts
                .into_iter()
                .map(|part| {
                    let columns = &columns;
                    scope.spawn(move || {
                        let mut errors = Collector::new(file);
                        let mut lines = LineIndex::new(text);
                        let mut flights =
                            read_rows(&mut errors, &mut lines, part, columns, delimiter);
                        read_phones(&mut errors, &mut flights, default_region);
                        (flights, errors)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut flights = Flights::new();
        for (part, part_errors) in read {
            flights.absorb(part);
            errors.absorb(part_errors);
        }
        flights
    };
    if flights.manifests.is_empty() && errors.is_empty() {
        errors.push(
            header_line,
            None,
            "the file has a header but no passenger rows",
        );
    }
    Some(flights.finish())
}

/// A CSV file of this many bytes or more, without quotes, is stored while it is read.
pub const STREAMED_CSV_FROM_BYTES: usize = PARALLEL_CSV_FROM_BYTES;

/// Rows read at a time when a CSV streams: about 2,000 passengers, a few milliseconds of the writer's
/// time, so that the first flights reach it at once.
const STREAM_CHUNK_BYTES: usize = 256 << 10;

/// How a streamed CSV ended.
pub enum StreamEnd {
    /// Every row read: the file's warnings.
    Read(ImportWarnings),
    /// The file is refused: every error found.
    Refused(ParseErrors),
    /// A flight's rows came apart (another flight between them), so flights handed out were not whole:
    /// the file must be read as a whole instead.
    NotGrouped,
}

/// A large CSV read a slice of rows at a time, handing out each flight once its rows are all read, so
/// that the flights can be stored while the rest of the file is read. A flight is taken to be whole
/// when another flight's rows follow it — true of files written a flight at a time, as manifests are;
/// a file where a flight's rows come back later ends as [`StreamEnd::NotGrouped`]. Errors and warnings
/// are the ones [`parse_csv`] finds, with the same lines.
pub struct CsvChunks<'a> {
    errors: Collector<'a>,
    text: &'a str,
    /// Line numbers, counted once through the file as it is read.
    lines: LineIndex<'a>,
    columns: Vec<Option<Column>>,
    delimiter: u8,
    header_line: usize,
    default_region: Option<Region>,
    /// Where the next unread row begins.
    next: usize,
    /// The last flight read, which the next rows may continue.
    held: Option<FlightManifest>,
    handed_out: HashSet<FlightKey>,
    grouped: bool,
}

impl<'a> CsvChunks<'a> {
    /// Reads the header; its errors refuse the file.
    pub(crate) fn open(
        mut errors: Collector<'a>,
        text: &'a str,
        default_region: Option<Region>,
    ) -> Result<CsvChunks<'a>, ParseErrors> {
        let delimiter = crate::domain::lines::csv_delimiter(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let header_line = match reader.read_record(&mut record) {
            Ok(true) => record.position().map_or(1, |p| {
                crate::domain::lines::LineIndex::new(text).line_at(p.byte())
            }),
            Ok(false) => {
                errors.push(
                    1,
                    None,
                    "the file is empty; expected a header line naming the columns",
                );
                return Err(errors.finish_err());
            }
            Err(e) => {
                errors.push(1, None, format_args!("the header line cannot be read: {e}"));
                return Err(errors.finish_err());
            }
        };
        let Some(columns) = read_header(&mut errors, header_line, &record) else {
            return Err(errors.finish_err());
        };
        let next =
            usize::try_from(reader.position().byte()).map_or(text.len(), |b| b.min(text.len()));
        Ok(CsvChunks {
            errors,
            text,
            lines: LineIndex::new(text),
            columns,
            delimiter,
            header_line,
            default_region,
            next,
            held: None,
            handed_out: HashSet::new(),
            grouped: true,
        })
    }

    /// The next flights whose rows are all read, in file order; `None` once the file is read, or found
    /// not grouped by flight.
    pub fn next_flights(&mut self) -> Option<Vec<FlightManifest>> {
        while self.grouped {
            if self.next >= self.text.len() {
                let mut last = self.held.take()?;
                self.handed_out.insert(last.key());
                count_parties(&mut last);
                return Some(vec![last]);
            }
            let bytes = self.text.as_bytes();
            let target = (self.next + STREAM_CHUNK_BYTES).min(bytes.len());
            let end = bytes[target..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(bytes.len(), |newline| target + newline + 1);
            let mut read = read_rows(
                &mut self.errors,
                &mut self.lines,
                self.next..end,
                &self.columns,
                self.delimiter,
            );
            read_phones(&mut self.errors, &mut read, self.default_region);
            self.next = end;
            let mut flights = Flights::new();
            if let Some(held) = self.held.take() {
                flights.index.insert(held.key(), 0);
                flights.manifests.push(held);
            }
            flights.absorb(read);
            let mut manifests = flights.manifests;
            if manifests.iter().any(|m| self.handed_out.contains(&m.key())) {
                self.grouped = false;
                return None;
            }
            self.held = manifests.pop();
            if !manifests.is_empty() {
                for manifest in &mut manifests {
                    self.handed_out.insert(manifest.key());
                    count_parties(manifest);
                }
                return Some(manifests);
            }
        }
        None
    }

    /// How the file ended; call it once [`Self::next_flights`] has returned `None`.
    pub fn finish(mut self) -> StreamEnd {
        if !self.grouped {
            return StreamEnd::NotGrouped;
        }
        if self.handed_out.is_empty() && self.errors.is_empty() {
            self.errors.push(
                self.header_line,
                None,
                "the file has a header but no passenger rows",
            );
        }
        match self.errors.finish(Some(())) {
            Ok(((), warnings)) => StreamEnd::Read(warnings),
            Err(errors) => StreamEnd::Refused(errors),
        }
    }
}

/// Whether a CSV body is read as a stream: large, and without quotes, so that it can be cut at line ends.
pub(crate) fn streams(bytes: &[u8]) -> bool {
    bytes.len() >= STREAMED_CSV_FROM_BYTES && !bytes.contains(&b'"')
}

/// A CSV body of this many bytes or more is read on several threads.
const PARALLEL_CSV_FROM_BYTES: usize = 4 << 20;

/// The byte ranges of the rows after the header, one per thread: a large body is cut at line ends into
/// parts of about equal size. Only a body without quotes is cut — a quoted field may hold a line break,
/// and telling one from a row's end would take the reading that is being split.
fn body_parts(text: &str, body: usize) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let length = bytes.len().saturating_sub(body);
    if threads < 2 || length < PARALLEL_CSV_FROM_BYTES || bytes[body..].contains(&b'"') {
        return std::iter::once(body..bytes.len()).collect();
    }
    let mut parts = Vec::with_capacity(threads);
    let mut start = body;
    for i in 1..threads {
        let target = (body + length * i / threads).max(start);
        let Some(newline) = bytes[target..].iter().position(|b| *b == b'\n') else {
            break;
        };
        let end = target + newline + 1;
        parts.push(start..end);
        start = end;
    }
    parts.push(start..bytes.len());
    parts
}

/// Reads the rows in `part` of the text `lines` indexes (whole rows, after the header) into flights,
/// with line numbers of the whole file. `lines` counts on from where it stands, so that a file read
/// part after part is counted once.
fn read_rows(
    errors: &mut Collector<'_>,
    lines: &mut LineIndex<'_>,
    part: std::ops::Range<usize>,
    columns: &[Option<Column>],
    delimiter: u8,
) -> Flights {
    let text = lines.text();
    let has_title_column = columns.contains(&Some(Column::Title));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(&text.as_bytes()[part.clone()]);
    let mut line_of = |position: Option<&csv::Position>| {
        position.map_or(0, |p| lines.line_at(part.start as u64 + p.byte()))
    };
    let mut record = csv::StringRecord::new();
    let mut flights = Flights::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = line_of(e.position());
                errors.push(line, None, format_args!("not readable as CSV: {e}"));
                continue;
            }
        }
        let line = line_of(record.position());
        if record.len() == 1 && record.get(0).is_some_and(|s| s.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            errors.push(
                line,
                None,
                format_args!(
                    "the row has {} fields but the header names {} columns",
                    record.len(),
                    columns.len()
                ),
            );
            continue;
        }
        let mut cells: Cells<'_> = [None; COLUMN_COUNT];
        for (column, raw) in columns.iter().zip(record.iter()) {
            if let Some(column) = column {
                cells[*column as usize] = non_empty(raw);
            }
        }
        add_row(errors, &mut flights, line, &cells, has_title_column);
    }
    flights
}

/// The header's columns in order; a column aboard does not know is read past (None), with a warning:
/// its values name no flight or passenger.
fn read_header(
    errors: &mut Collector<'_>,
    line: usize,
    record: &csv::StringRecord,
) -> Option<Vec<Option<Column>>> {
    let mut columns = Vec::with_capacity(record.len());
    for raw in record.iter() {
        match Column::from_name(raw) {
            Some(c) if columns.contains(&Some(c)) => {
                errors.push(
                    line,
                    Some(c.name()),
                    "the column appears twice in the header",
                );
            }
            Some(c) => columns.push(Some(c)),
            None => {
                errors.warn(
                    line,
                    Some(raw.trim()),
                    format_args!(
                        "not a column aboard reads; its values are left out (the columns are {})",
                        known_names()
                    ),
                );
                columns.push(None);
            }
        }
    }
    let missing: Vec<&str> = CSV_COLUMNS
        .iter()
        .filter(|c| c.required() && !columns.contains(&Some(**c)))
        .map(|c| c.name())
        .collect();
    if !missing.is_empty() {
        errors.push(
            line,
            None,
            format_args!(
                "the header lacks the required column(s) {}",
                missing.join(", ")
            ),
        );
    }
    (missing.is_empty() && errors.is_empty()).then_some(columns)
}

fn known_names() -> String {
    CSV_COLUMNS
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn parse_json(
    errors: &mut Collector<'_>,
    text: &str,
    default_region: Option<Region>,
) -> Option<Vec<FlightManifest>> {
    let mut flights = Flights::new();
    let mut unread = HashSet::new();
    if looks_like_json_array(text.as_bytes()) {
        let objects: Vec<&RawValue> = match serde_json::from_str(text) {
            Ok(objects) => objects,
            Err(e) => {
                errors.push(e.line(), None, json_reason(&e));
                return None;
            }
        };
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        for raw in objects {
            let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            let line = line_starts.partition_point(|start| *start <= offset);
            json_object(errors, &mut flights, &mut unread, line, raw.get());
        }
    } else {
        for (index, raw) in text.lines().enumerate() {
            if !raw.trim().is_empty() {
                json_object(errors, &mut flights, &mut unread, index + 1, raw);
            }
        }
    }
    if flights.manifests.is_empty() && errors.is_empty() {
        errors.push(1, None, "the file holds no passengers");
    }
    read_phones(errors, &mut flights, default_region);
    Some(flights.finish())
}

/// Brings the rows' phones to E.164 (`fields::read_passenger_phones`), under the column's name.
fn read_phones(errors: &mut Collector<'_>, flights: &mut Flights, default_region: Option<Region>) {
    let lists = flights.manifests.iter_mut().map(|m| &mut m.passengers);
    fields::read_passenger_phones(errors, Column::Phone.name(), lists, default_region);
}

fn json_reason(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let location = format!(" at line {} column {}", e.line(), e.column());
    message
        .strip_suffix(&location)
        .unwrap_or(&message)
        .to_string()
}

/// One passenger object. A field aboard does not know is read past with a warning, once per file
/// (`unread` holds the fields warned of).
fn json_object(
    errors: &mut Collector<'_>,
    flights: &mut Flights,
    unread: &mut HashSet<String>,
    line: usize,
    raw: &str,
) {
    let object: Map<String, Value> = match serde_json::from_str(raw) {
        Ok(object) => object,
        Err(e) => {
            errors.push(
                line + e.line().saturating_sub(1),
                None,
                format_args!("expected one passenger object: {}", json_reason(&e)),
            );
            return;
        }
    };
    let mut texts: [Option<String>; COLUMN_COUNT] = Default::default();
    let has_title = object.contains_key(Column::Title.name());
    for (key, value) in object {
        let Some(column) = Column::from_name(&key) else {
            if !unread.contains(&key) {
                errors.warn(
                    line,
                    Some(&key),
                    format_args!(
                        "not a field aboard reads; its values are left out (the fields are {})",
                        known_names()
                    ),
                );
                unread.insert(key);
            }
            continue;
        };
        texts[column as usize] = match value {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ if column.required() => {
                errors.push(line, Some(column.name()), "expected text, a number or null");
                None
            }
            _ => {
                errors.warn(
                    line,
                    Some(column.name()),
                    dropped("expected text, a number or null"),
                );
                None
            }
        };
    }
    let mut cells: Cells<'_> = [None; COLUMN_COUNT];
    for (cell, text) in cells.iter_mut().zip(texts.iter()) {
        *cell = text.as_deref().and_then(non_empty);
    }
    add_row(errors, flights, line, &cells, has_title);
}
