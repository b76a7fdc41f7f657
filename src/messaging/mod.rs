//! Messaging: what a network lets the airline send a person right now, whether an advisor's text is nearly
//! one already sent to someone else, and (in `outbox`) the delivery of what advisors wrote through a
//! connector, once. aboard never writes a word of a message: it checks, queues and delivers.
//! The rules here are pure (depend on `domain`); `outbox` is the edge that speaks HTTP and uses the store.

pub mod hooks;
pub mod networks;
pub mod outbox;
pub mod templates;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::records::{Person, SocialAccount};
use crate::domain::{MessageMode, Network};

/// How a message may go out on a network now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SendMode {
    /// Free text the advisor writes.
    FreeText,
    /// Free text sent as a human agent's reply (Messenger/Instagram `HUMAN_AGENT` tag, up to 7 days).
    HumanAgentTag,
    /// Only an approved template with parameters the advisor fills (WhatsApp outside its 24-hour window).
    TemplateOnly,
}

/// Why nothing may be sent on a network now, in words an advisor can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum NotAllowed {
    #[error("the person has not opted in to messages from the airline on {0}")]
    NoOptIn(Network),
    #[error("on X the person neither follows the airline nor accepts messages from anyone")]
    DirectMessagesClosed,
    #[error(
        "{0} only allows a reply within 7 days of the person's last message, which was {1} days ago"
    )]
    WindowClosed(Network, i64),
    #[error("{0} never lets a business write first, and the person has not written to us")]
    NeverFirst(Network),
    #[error("the person asked not to be contacted on {0}")]
    OptedOut(Network),
    #[error(
        "{0}'s 24-hour window closed after this message was written, so it was not sent; only a human agent's reply (HUMAN_AGENT tag) may go now: write it again"
    )]
    ResponseWindowClosed(Network),
    #[error(
        "{0}'s 24-hour window closed after this message was written, so it was not sent; only an approved template may go now"
    )]
    TemplateOnlyNow(Network),
    #[error("{0} takes no templates: write the text itself")]
    NoTemplates(Network),
}

/// Whether a message written to go out as `written` may still go out so, given what the network
/// allows now (`now`, from `eligibility`): a tagged reply may go while the window is open or within its
/// 7 days, a template wherever WhatsApp allows anything, free text only while the window is open.
pub fn still_allowed(
    network: Network,
    written: MessageMode,
    now: Result<SendMode, NotAllowed>,
) -> Result<(), NotAllowed> {
    let now = now?;
    match (written, now) {
        (MessageMode::Template, _) if network == Network::Whatsapp => Ok(()),
        (MessageMode::Template, _) => Err(NotAllowed::NoTemplates(network)),
        (MessageMode::HumanAgentTag, SendMode::FreeText | SendMode::HumanAgentTag) => Ok(()),
        (MessageMode::FreeText, SendMode::FreeText) => Ok(()),
        (_, SendMode::TemplateOnly) => Err(NotAllowed::TemplateOnlyNow(network)),
        (_, SendMode::HumanAgentTag) => Err(NotAllowed::ResponseWindowClosed(network)),
    }
}

/// The networks' rules (../shared/knowledge/social-channels.md, where the reader has it), applied to what the registry knows of the
/// person's account at `now`. Computed when a task is created and again when a message is sent.
pub fn eligibility(account: &SocialAccount, now: DateTime<Utc>) -> Result<SendMode, NotAllowed> {
    if !account.opted_in {
        return Err(NotAllowed::NoOptIn(account.network));
    }
    let since_inbound = account.last_inbound_at.map(|t| now - t);
    let within = |limit: Duration| since_inbound.is_some_and(|d| d <= limit);
    match account.network {
        Network::X if account.follows_airline || account.accepts_dms => Ok(SendMode::FreeText),
        Network::X => Err(NotAllowed::DirectMessagesClosed),
        Network::Facebook | Network::Instagram => {
            if within(Duration::hours(24)) {
                Ok(SendMode::FreeText)
            } else if within(Duration::days(7)) {
                Ok(SendMode::HumanAgentTag)
            } else {
                match since_inbound {
                    Some(age) => Err(NotAllowed::WindowClosed(account.network, age.num_days())),
                    None => Err(NotAllowed::NeverFirst(account.network)),
                }
            }
        }
        Network::Whatsapp if within(Duration::hours(24)) => Ok(SendMode::FreeText),
        Network::Whatsapp => Ok(SendMode::TemplateOnly),
        Network::Telegram | Network::Line | Network::Wechat | Network::Email | Network::Sms => {
            Ok(SendMode::FreeText)
        }
    }
}

/// The networks' rules applied to one of the person's accounts as it stands now (with the latest time
/// aboard heard from them), after the person's own wish: whoever opted out is not written to.
pub fn person_eligibility(
    person: &Person,
    account: &SocialAccount,
    now: DateTime<Utc>,
) -> Result<SendMode, NotAllowed> {
    if person.refuses(account.network.as_str()) {
        return Err(NotAllowed::OptedOut(account.network));
    }
    let current = person
        .accounts_now()
        .into_iter()
        .find(|a| a.network == account.network && a.handle == account.handle)
        .unwrap_or_else(|| account.clone());
    eligibility(&current, now)
}

/// How alike two texts are, 0 (nothing shared) to 1 (the same words): compared on lower-cased words, so
/// a changed name or punctuation does not hide a stock text.
pub fn similarity(a: &str, b: &str) -> f64 {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (a, b) = (words(a), words(b));
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    1.0 - strsim::generic_levenshtein(&a, &b) as f64 / a.len().max(b.len()) as f64
}

/// At or above this, an advisor is warned that the text is nearly one sent to another passenger.
pub const NEAR_DUPLICATE: f64 = 0.8;

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn account(network: Network, last_inbound_hours: Option<i64>) -> SocialAccount {
        SocialAccount {
            network,
            handle: "@p".to_string(),
            network_user_id: Some("1".to_string()),
            followers: 5_000,
            activity_30d: 10,
            follows_airline: false,
            accepts_dms: false,
            opted_in: true,
            last_inbound_at: last_inbound_hours.map(|h| now() - Duration::hours(h)),
        }
    }

    #[test]
    fn each_network_allows_what_its_rules_allow() {
        let now = now();
        assert_eq!(
            eligibility(&account(Network::X, None), now),
            Err(NotAllowed::DirectMessagesClosed)
        );
        let mut follower = account(Network::X, None);
        follower.follows_airline = true;
        assert_eq!(eligibility(&follower, now), Ok(SendMode::FreeText));
        follower.opted_in = false;
        assert_eq!(
            eligibility(&follower, now),
            Err(NotAllowed::NoOptIn(Network::X))
        );

        assert_eq!(
            eligibility(&account(Network::Facebook, Some(3)), now),
            Ok(SendMode::FreeText)
        );
        assert_eq!(
            eligibility(&account(Network::Facebook, Some(72)), now),
            Ok(SendMode::HumanAgentTag)
        );
        assert_eq!(
            eligibility(&account(Network::Instagram, Some(24 * 9)), now),
            Err(NotAllowed::WindowClosed(Network::Instagram, 9))
        );
        assert_eq!(
            eligibility(&account(Network::Instagram, None), now),
            Err(NotAllowed::NeverFirst(Network::Instagram))
        );
        assert_eq!(
            eligibility(&account(Network::Whatsapp, Some(2)), now),
            Ok(SendMode::FreeText)
        );
        assert_eq!(
            eligibility(&account(Network::Whatsapp, Some(48)), now),
            Ok(SendMode::TemplateOnly)
        );
    }

    #[test]
    fn a_message_goes_out_only_as_it_was_written_while_the_network_still_allows_it() {
        use MessageMode::*;
        let (wa, fb) = (Network::Whatsapp, Network::Facebook);
        assert_eq!(
            still_allowed(wa, Template, Ok(SendMode::TemplateOnly)),
            Ok(())
        );
        assert_eq!(still_allowed(wa, Template, Ok(SendMode::FreeText)), Ok(()));
        assert_eq!(
            still_allowed(wa, FreeText, Ok(SendMode::TemplateOnly)),
            Err(NotAllowed::TemplateOnlyNow(wa))
        );
        assert_eq!(
            still_allowed(fb, HumanAgentTag, Ok(SendMode::FreeText)),
            Ok(())
        );
        assert_eq!(
            still_allowed(fb, FreeText, Ok(SendMode::HumanAgentTag)),
            Err(NotAllowed::ResponseWindowClosed(fb))
        );
        assert_eq!(
            still_allowed(fb, Template, Ok(SendMode::FreeText)),
            Err(NotAllowed::NoTemplates(fb))
        );
        assert_eq!(
            still_allowed(fb, HumanAgentTag, Err(NotAllowed::WindowClosed(fb, 9))),
            Err(NotAllowed::WindowClosed(fb, 9))
        );
    }

    #[test]
    fn a_stock_text_with_another_name_is_nearly_the_same() {
        let sent = "Hola María, ¿todo bien con tu maleta esta vez? ¡Buen vuelo!";
        let again = "Hola Lucía, ¿todo bien con tu maleta esta vez? Buen vuelo";
        let personal = "Lucía, vimos que tu reclamación de Bogotá sigue abierta: te escribo mañana con novedades.";
        assert!(
            similarity(sent, again) >= NEAR_DUPLICATE,
            "{}",
            similarity(sent, again)
        );
        assert!(
            similarity(sent, personal) < 0.5,
            "{}",
            similarity(sent, personal)
        );
        assert_eq!(similarity("same words", "Same, words!"), 1.0);
    }
}
