//! The offline matcher: the service's matcher run on a registry export and a manifest file, for audits and
//! benchmarks. Pure: the caller reads the files and writes the CSV.

use chrono::NaiveDate;
use uuid::Uuid;

use super::matching::person_facts;
use crate::domain::LinkDecision;
use crate::manifest::{self, Document, FlightManifest, ManifestPassenger, ParseErrors, Reading};
use crate::matching::{PassengerFacts, RegistryIndex, RememberedDecisions, match_flight};
use crate::registry;

/// The CSV header of the offline matcher's output.
pub const MATCH_CSV_HEADER: &str = "passenger,person_external_id,decision,score,reasons";

#[derive(Debug, thiserror::Error)]
pub enum OfflineMatchError {
    #[error("the registry file was refused:\n{0}")]
    Registry(ParseErrors),
    #[error("the manifest file was refused:\n{0}")]
    Manifest(ParseErrors),
}

/// How many pairs of each kind the offline matcher wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfflineSummary {
    pub persons: usize,
    pub passengers: usize,
    pub linked: usize,
    pub review: usize,
    pub rejected: usize,
}

/// Matches every passenger of the manifest file against the registry file; returns the CSV (one row per
/// passenger with a candidate: passenger reference, person external id, decision, score, reasons joined
/// by ` | `) and counts. The passenger reference is `FLIGHT/DDMON ORIGIN:LINE:SURNAME/GIVEN`, the line being
/// the passenger's line in the manifest file.
pub fn match_files(
    registry_file: (&str, &[u8]),
    manifest_file: (&str, &[u8]),
    reference: NaiveDate,
) -> Result<(String, OfflineSummary), OfflineMatchError> {
    let (records, _warnings) = registry::parse(registry_file.0, registry_file.1, None)
        .map_err(OfflineMatchError::Registry)?;
    let (document, _warnings) = manifest::parse(
        manifest_file.0,
        manifest_file.1,
        Reading::default(),
        reference,
    )
    .map_err(OfflineMatchError::Manifest)?;
    let flights: Vec<(FlightManifest, Vec<ManifestPassenger>)> = match document {
        Document::Rows(flights) => flights
            .into_iter()
            .map(|f| {
                let passengers = f.passengers.clone();
                (f, passengers)
            })
            .collect(),
        Document::Pnl(pnl) => {
            let passengers = pnl.manifest.passengers.clone();
            vec![(pnl.manifest, passengers)]
        }
        Document::Adl(_) | Document::Parts(_) => Vec::new(),
    };
    let persons: Vec<_> = records
        .iter()
        .enumerate()
        .map(|(i, r)| person_facts(Uuid::from_u128(i as u128 + 1), r))
        .collect();
    let index = RegistryIndex::build(&persons);
    let mut references = Vec::new();
    let mut facts = Vec::new();
    for (flight_number, (flight, passengers)) in flights.iter().enumerate() {
        let flight_key = Uuid::from_u128(flight_number as u128 + 1);
        for p in passengers {
            references.push(format!(
                "{}:{}:{}/{}",
                flight.key(),
                p.line,
                p.name.surname,
                p.name.given
            ));
            facts.push(PassengerFacts {
                key: Uuid::from_u128(facts.len() as u128 + 1),
                flight_key,
                name: p.name.clone(),
                docs_surname: p.docs_name.as_ref().map(|n| n.surname.clone()),
                docs_given: p.docs_name.as_ref().map(|n| n.given.clone()),
                locator: p.locator.clone(),
                traveller_class: p.traveller_class,
                frequent_flyer: p.frequent_flyer.clone(),
                email: p.email.clone(),
                phone: p.phone.clone(),
                date_of_birth: p.date_of_birth,
            });
        }
    }
    let mut summary = OfflineSummary {
        persons: records.len(),
        passengers: facts.len(),
        ..OfflineSummary::default()
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 5]> = Vec::new();
    for outcome in match_flight(&index, &facts, &RememberedDecisions::new()) {
        let passenger = outcome.passenger.as_u128().saturating_sub(1) as usize;
        let person = outcome.person.as_u128().saturating_sub(1) as usize;
        match outcome.decision {
            LinkDecision::Linked => summary.linked += 1,
            LinkDecision::Review => summary.review += 1,
            LinkDecision::Rejected => summary.rejected += 1,
        }
        rows.push([
            references.get(passenger).cloned().unwrap_or_default(),
            records
                .get(person)
                .map(|r| r.external_id.clone())
                .unwrap_or_default(),
            outcome.decision.as_str().to_string(),
            format!("{:.2}", outcome.score),
            outcome
                .reasons
                .iter()
                .map(|r| r.describe())
                .collect::<Vec<_>>()
                .join(" | "),
        ]);
    }
    let header: Vec<&str> = MATCH_CSV_HEADER.split(',').collect();
    let written = writer
        .write_record(&header)
        .and_then(|()| rows.iter().try_for_each(|row| writer.write_record(row)));
    let bytes = match written {
        Ok(()) => writer.into_inner().unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    Ok((String::from_utf8_lossy(&bytes).into_owned(), summary))
}
