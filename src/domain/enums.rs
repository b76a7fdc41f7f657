use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A stored or received word that names no variant of the enum it was meant for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {what} (expected one of: {expected})")]
pub struct UnknownVariant {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// Defines a plain enum whose variants are stored and exchanged as fixed snake_case words.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, UnknownVariant> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($word => Ok($name::$variant),)+
                    _ => Err(UnknownVariant {
                        what: $what,
                        value: s.chars().take(40).collect(),
                        expected: concat!($($word, " "),+),
                    }),
                }
            }
        }
    };
}

word_enum!(
    /// Where a follow-up happens: in person at the gate, in the cabin, or over a social network.
    Channel, "channel", {
        Gate => "gate",
        Cabin => "cabin",
        Social => "social",
    }
);

word_enum!(
    /// Which group of the holdout a qualifying passenger fell in: treated (the follow-up was made), held
    /// out (no follow-up, to compare against), or exempt (never held out: an open case).
    Cohort, "cohort", {
        Treated => "treated",
        HeldOut => "held_out",
        Exempt => "exempt",
    }
);

word_enum!(
    /// The social networks and messaging channels aboard knows how to address.
    Network, "network", {
        X => "x",
        Facebook => "facebook",
        Instagram => "instagram",
        Whatsapp => "whatsapp",
        Telegram => "telegram",
        Line => "line",
        Wechat => "wechat",
        Email => "email",
        Sms => "sms",
    }
);

word_enum!(
    /// A flight's operational status, in the vocabulary the status providers share.
    FlightStatus, "flight status", {
        Scheduled => "scheduled",
        CheckIn => "check_in",
        Boarding => "boarding",
        GateClosed => "gate_closed",
        Departed => "departed",
        Delayed => "delayed",
        Arrived => "arrived",
        Cancelled => "cancelled",
        Diverted => "diverted",
    }
);

word_enum!(
    /// Where a manifest passenger stands: expected, boarded, offloaded at the gate, or removed by an ADL.
    BoardingState, "boarding state", {
        Expected => "expected",
        Boarded => "boarded",
        Offloaded => "offloaded",
        Removed => "removed",
    }
);

word_enum!(
    /// Age class read from a passenger's title.
    TravellerClass, "traveller class", {
        Adult => "adult",
        Child => "child",
        Infant => "infant",
    }
);

word_enum!(
    /// The outcome of identity matching for one passenger and one registry person.
    LinkDecision, "link decision", {
        Linked => "linked",
        Review => "review",
        Rejected => "rejected",
    }
);

word_enum!(
    /// A follow-up task's life: open, claimed by someone, done, or ended without being done.
    TaskState, "task state", {
        Open => "open",
        Claimed => "claimed",
        Done => "done",
        Expired => "expired",
        Cancelled => "cancelled",
    }
);

word_enum!(
    /// What came of a follow-up, recorded in one tap; `offloaded` (taken off the flight at the gate) also
    /// cancels the passenger's other follow-ups.
    TaskOutcome, "task outcome", {
        TalkedAllWell => "talked_all_well",
        TalkedNewIssue => "talked_new_issue",
        NotFound => "not_found",
        Declined => "declined",
        AskedNoContact => "asked_no_contact",
        MessageSent => "message_sent",
        Offloaded => "offloaded",
    }
);

word_enum!(
    /// A complaint case's status in the registry.
    CaseStatus, "case status", {
        Open => "open",
        Resolved => "resolved",
    }
);

word_enum!(
    /// An outbound message's place in the outbox and, once sent, on the network. `unknown`: the request
    /// left but no answer came (a timeout, an instance that died), so it is never sent again blindly and
    /// waits for the network's status webhook; `unconfirmed`: none came in time, the advisor decides.
    MessageState, "message state", {
        Queued => "queued",
        Sending => "sending",
        Unknown => "unknown",
        Unconfirmed => "unconfirmed",
        Sent => "sent",
        Delivered => "delivered",
        Read => "read",
        Failed => "failed",
    }
);

word_enum!(
    /// How a message goes out on its network, chosen when the advisor wrote it and sent exactly so:
    /// free text inside the network's reply window (Messenger `RESPONSE`), free text tagged as a human
    /// agent's reply (Messenger/Instagram `HUMAN_AGENT`, up to 7 days), or an approved template with its
    /// language and parameters (WhatsApp outside its 24-hour window).
    MessageMode, "message mode", {
        FreeText => "free_text",
        HumanAgentTag => "human_agent_tag",
        Template => "template",
    }
);

word_enum!(
    /// What a staff account or API token may do: ops run imports, flights, rules and the scheduler; gate
    /// agents work their stations' tasks; advisors write to passengers in their languages; admins manage
    /// accounts and tokens; analysts read reports and the event stream across every station and
    /// language, never a message's text or a person's contact details.
    Role, "role", {
        Ops => "ops",
        Gate => "gate",
        Advisor => "advisor",
        Admin => "admin",
        Analyst => "analyst",
    }
);

include!(concat!(env!("OUT_DIR"), "/ui_languages.rs"));

impl TaskState {
    /// Open and claimed tasks still want someone's attention; the rest are history.
    pub fn is_active(self) -> bool {
        matches!(self, TaskState::Open | TaskState::Claimed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_unknown_words_are_named() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), *c);
        }
        let err = "pigeon".parse::<Channel>().unwrap_err();
        assert_eq!(err.value, "pigeon");
        assert!(err.to_string().contains("gate cabin social"));
        assert_eq!(
            serde_json::to_string(&TaskOutcome::TalkedAllWell).unwrap(),
            "\"talked_all_well\""
        );
    }
}
