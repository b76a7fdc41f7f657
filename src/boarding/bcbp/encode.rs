use super::field::{LEG_MANDATORY, UNIQUE_CONDITIONAL, repeated_layout};
use super::{BcbpError, BoardingPass, Field, Leg};

const FIRST_VERSION_WITH_FAST_TRACK: u8 = 5;

fn refuse(leg: Option<u8>, field: Field, why: String) -> BcbpError {
    BcbpError::Encode { leg, field, why }
}

fn printable(leg: Option<u8>, field: Field, text: &str) -> Result<(), BcbpError> {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        Ok(())
    } else {
        Err(refuse(
            leg,
            field,
            format!("{text:?} holds characters outside printable ASCII"),
        ))
    }
}

/// Appends a fixed-width field, padded with spaces.
fn put(
    out: &mut String,
    leg: Option<u8>,
    field: Field,
    text: Option<String>,
    width: usize,
) -> Result<(), BcbpError> {
    let text = text.unwrap_or_default();
    printable(leg, field, &text)?;
    if text.len() > width {
        return Err(refuse(
            leg,
            field,
            format!("{text:?} is longer than the field's {width} characters"),
        ));
    }
    out.push_str(&text);
    out.extend(std::iter::repeat_n(' ', width - text.len()));
    Ok(())
}

fn hex_size(length: usize, leg: Option<u8>, field: Field) -> Result<String, BcbpError> {
    if length > 0xFF {
        return Err(refuse(
            leg,
            field,
            format!(
                "the part is {length} characters, more than the 255 a two-digit hexadecimal size can declare"
            ),
        ));
    }
    Ok(format!("{length:02X}"))
}

/// A conditional part holding its fields up to the last one present (blank ones before it are padded), then
/// any future-use text, which needs every defined field written before it.
fn conditional_part(
    leg: Option<u8>,
    layout: &[(Field, usize)],
    text_of: impl Fn(Field) -> Option<String>,
    future_use: Option<&str>,
) -> Result<String, BcbpError> {
    let present = if future_use.is_some() {
        layout.len()
    } else {
        layout
            .iter()
            .rposition(|(field, _)| text_of(*field).is_some())
            .map_or(0, |last| last + 1)
    };
    let mut part = String::new();
    for &(field, width) in layout.iter().take(present) {
        put(&mut part, leg, field, text_of(field), width)?;
    }
    if let Some(text) = future_use {
        let field = if leg.is_some() {
            Field::RepeatedFutureUse
        } else {
            Field::UniqueFutureUse
        };
        printable(leg, field, text)?;
        part.push_str(text);
    }
    Ok(part)
}

/// Writes a pass as the string a barcode carries. Sizes are computed from the fields present: a part holds
/// its fields up to the last one given. The first leg always carries the conditional data when the pass has
/// a version. Refuses (naming leg and field) what no valid pass can hold: no legs or more than four, a
/// field longer than its width, non-ASCII text, conditional data without a version, a fast track before
/// version 5, a flight whose carrier differs from the operating carrier.
pub fn encode(pass: &BoardingPass) -> Result<String, BcbpError> {
    if pass.format_code != 'M' {
        return Err(refuse(
            None,
            Field::FormatCode,
            format!("only format 'M' exists, found {:?}", pass.format_code),
        ));
    }
    let count = pass.legs.len();
    if !(1..=4).contains(&count) {
        return Err(refuse(
            None,
            Field::NumberOfLegs,
            format!("a pass carries 1 to 4 legs, this one has {count}"),
        ));
    }
    if let Some(version) = pass.version.filter(|v| !(1..=9).contains(v)) {
        return Err(refuse(
            None,
            Field::Version,
            format!("a version is one digit 1 to 9, found {version}"),
        ));
    }
    let mut out = format!("M{count}");
    put(
        &mut out,
        None,
        Field::PassengerName,
        pass.field_text(Field::PassengerName),
        20,
    )?;
    put(
        &mut out,
        None,
        Field::ElectronicTicketIndicator,
        pass.field_text(Field::ElectronicTicketIndicator),
        1,
    )?;
    for (number, leg) in (1u8..).zip(&pass.legs) {
        check_leg(leg, number)?;
        for (field, width) in LEG_MANDATORY {
            put(&mut out, Some(number), field, leg.field_text(field), width)?;
        }
        let variable = variable_part(pass, leg, number)?;
        out.push_str(&hex_size(
            variable.len(),
            Some(number),
            Field::VariablePartSize,
        )?);
        out.push_str(&variable);
    }
    if let Some(security) = &pass.security {
        let kind = security.kind.to_string();
        printable(None, Field::SecurityType, &kind)?;
        printable(None, Field::SecurityData, &security.data)?;
        out.push('^');
        out.push_str(&kind);
        out.push_str(&hex_size(
            security.declared_length,
            None,
            Field::SecurityLength,
        )?);
        out.push_str(&security.data);
    }
    Ok(out)
}

fn check_leg(leg: &Leg, number: u8) -> Result<(), BcbpError> {
    if let Some(flight) = &leg.flight
        && leg.carrier.as_ref() != Some(flight.carrier())
    {
        return Err(refuse(
            Some(number),
            Field::FlightNumber,
            format!(
                "flight {flight} belongs to {}, but the operating carrier is {}",
                flight.carrier(),
                leg.carrier
                    .as_ref()
                    .map_or("blank".to_string(), |c| c.to_string())
            ),
        ));
    }
    if leg.infant && leg.seat.is_some() {
        return Err(refuse(
            Some(number),
            Field::Seat,
            "an infant (INF) has no seat of its own; give either the seat or the infant flag"
                .to_string(),
        ));
    }
    Ok(())
}

fn variable_part(pass: &BoardingPass, leg: &Leg, number: u8) -> Result<String, BcbpError> {
    if let Some(version) = pass.version
        && version < FIRST_VERSION_WITH_FAST_TRACK
        && leg.fast_track.is_some()
    {
        return Err(refuse(
            Some(number),
            Field::FastTrack,
            format!("fast track exists from version 5; this pass is version {version}"),
        ));
    }
    let mut part = String::new();
    if number == 1 {
        let Some(version) = pass.version else {
            let unique_data = pass.future_use.is_some()
                || UNIQUE_CONDITIONAL
                    .iter()
                    .any(|(field, _)| pass.field_text(*field).is_some());
            if unique_data || leg.has_conditional_data() {
                return Err(refuse(
                    None,
                    Field::Version,
                    "conditional data needs a version number; set the pass's version".to_string(),
                ));
            }
            // Passes without conditional data may still carry the airline's own text, as written.
            if let Some(text) = &leg.airline_use {
                printable(Some(number), Field::AirlineUse, text)?;
                part.push_str(text);
            }
            return Ok(part);
        };
        let unique = conditional_part(
            None,
            &UNIQUE_CONDITIONAL,
            |field| pass.field_text(field),
            pass.future_use.as_deref(),
        )?;
        part.push('>');
        part.push_str(&version.to_string());
        part.push_str(&hex_size(unique.len(), None, Field::UniquePartSize)?);
        part.push_str(&unique);
    } else if !leg.has_variable_data() {
        return Ok(part);
    }
    let repeated = conditional_part(
        Some(number),
        repeated_layout(pass.version),
        |field| leg.field_text(field),
        leg.future_use.as_deref(),
    )?;
    part.push_str(&hex_size(
        repeated.len(),
        Some(number),
        Field::RepeatedPartSize,
    )?);
    part.push_str(&repeated);
    if let Some(text) = &leg.airline_use {
        printable(Some(number), Field::AirlineUse, text)?;
        part.push_str(text);
    }
    Ok(part)
}
