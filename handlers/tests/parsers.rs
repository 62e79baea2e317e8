//! Every parser of member and organizer input, fed anything: commands and
//! their arguments, deep-link payloads, callback data, times and dates,
//! event lines, places, reminders, topic names, languages, campaigns. None
//! may panic, and what they accept must be well-formed.

use basis_handlers::callback::{CallbackData, EventAction, PostAction};
use basis_handlers::command::{CommandText, valid_payload};
use basis_handlers::events::{MAX_PLACE, MAX_TITLE, parse_one_line, parse_place, parse_reminders};
use basis_handlers::stats::{CAMPAIGN_SEPARATOR, Campaign, deep_link_target, payload};
use basis_handlers::when::parse_when;
use basis_handlers::{Locale, TopicCatalog, TopicKey};
use basis_storage::{Topic, TopicText};
use chrono_tz::Tz;
use proptest::prelude::*;

/// 2026-11-25 20:00 UTC.
const NOW: i64 = 1_795_636_800_000;
const TZ: Tz = chrono_tz::Europe::Berlin;

fn catalog() -> TopicCatalog {
    let topic = |key: &str, emoji: &str, de: &str, en: &str, retired: bool| Topic {
        key: key.to_owned(),
        emoji: emoji.to_owned(),
        position: 0,
        retired,
        texts: vec![
            TopicText { locale: "de".into(), name: de.into(), description: String::new() },
            TopicText { locale: "en".into(), name: en.into(), description: String::new() },
        ],
    };
    TopicCatalog::from_stored(&[
        topic("energy", "⚡", "Energie & Klima", "Energy & climate", false),
        topic("europe", "🇪🇺", "Europa", "Europe", false),
        topic("strikes", "✊", "Streiks", "Strikes", false),
        topic("old-topic", "", "Alt", "Old", true),
        topic(&"k".repeat(TopicKey::MAX_LEN), "", "Lang", "Long", false),
    ])
}

/// Anything, and shapes close to what the parsers accept.
fn command_like() -> impl Strategy<Value = String> {
    prop_oneof![
        ".*",
        "/[A-Za-z0-9_]{0,34}(@[A-Za-z0-9_]{0,12})?([ \t\n\u{a0}]{0,3}.{0,40})?",
        "/(start|post|followup|edit|retract|invite|revoke|channel|link|qr|event|eventchange|eventcancel|mydata|language|subscribe)[ @].{0,80}",
        "[/@ ]{0,3}[^ ]{0,8}",
    ]
}

fn callback_like() -> impl Strategy<Value = String> {
    prop_oneof![
        ".*",
        "(t|stop|lang|p|g|gn|ev|x|)(:[a-zA-Z0-9_+ -]{0,22}){0,3}",
        "(p|ev):[a-z]:[+-]?[0-9]{0,21}",
        "g:[0-9]{0,20}:[a-z0-9_-]{0,34}",
    ]
}

fn topic_key() -> impl Strategy<Value = TopicKey> {
    "[a-z0-9_-]{1,32}".prop_map(|k| TopicKey::parse(&k).expect("a valid key"))
}

fn id() -> impl Strategy<Value = i64> {
    prop_oneof![0i64..1000, 0i64..=999_999_999_999_999_999]
}

fn post_action() -> impl Strategy<Value = PostAction> {
    prop::sample::select(vec![
        PostAction::Send,
        PostAction::Urgent,
        PostAction::Cancel,
        PostAction::Schedule,
        PostAction::Submit,
        PostAction::Approve,
        PostAction::Reject,
    ])
}

fn event_action() -> impl Strategy<Value = EventAction> {
    prop::sample::select(vec![
        EventAction::Yes,
        EventAction::Maybe,
        EventAction::No,
        EventAction::Calendar,
        EventAction::Map,
        EventAction::Send,
        EventAction::Discard,
    ])
}

fn callback_data() -> impl Strategy<Value = CallbackData> {
    prop_oneof![
        topic_key().prop_map(CallbackData::Toggle),
        any::<bool>().prop_map(|confirmed| CallbackData::Stop { confirmed }),
        prop::sample::select(Locale::ALL.to_vec()).prop_map(CallbackData::Language),
        (id(), post_action())
            .prop_map(|(draft, action)| CallbackData::Post { draft: basis_core::DraftId(draft), action }),
        (id(), prop::option::of(topic_key()))
            .prop_map(|(draft, topic)| CallbackData::Compose { draft: basis_core::DraftId(draft), topic }),
        (id(), event_action())
            .prop_map(|(event, action)| CallbackData::Event { event: basis_core::EventId(event), action }),
    ]
}

fn event_line() -> impl Strategy<Value = String> {
    let when = prop_oneof![
        "[0-9]{1,2}\\.[0-9]{1,2}\\.([0-9]{2,4})? [0-9]{1,2}:[0-9]{2}",
        "(morgen|tomorrow|heute|today) [0-9]{1,2}[:.][0-9]{2}",
        "[0-9]{1,2}:[0-9]{2}(-| - | bis | to )[0-9]{1,2}:[0-9]{2}",
        ".{0,20}",
    ];
    let extra = prop_oneof!["(reminders|erinnerungen|⏰):? ?[0-9a-z, ]{0,20}", ".{0,30}"];
    (
        "[a-z,]{0,20}",
        when,
        ".{0,130}",
        "[^|]{0,40}( geo:[0-9.,-]{0,20}| \\([0-9., -]{0,20}\\))?",
        prop::collection::vec(extra, 0..3),
    )
        .prop_map(|(topics, when, title, place, extras)| {
            let mut line = format!("{topics} {when} | {title} | {place}");
            for extra in extras {
                line.push_str(" | ");
                line.push_str(&extra);
            }
            line
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn commands_split_into_well_formed_parts(text in command_like()) {
        if let Some(command) = CommandText::split(&text) {
            prop_assert!(text.starts_with('/'));
            prop_assert!(!command.name.is_empty() && command.name.len() <= 32);
            prop_assert!(command.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
            prop_assert_eq!(command.args, command.args.trim());
            let _ = command.is_for("basis_test_bot");
        }
    }

    #[test]
    fn payloads_that_pass_fit_a_deep_link(payload in prop_oneof![".*", "[A-Za-z0-9_-]{0,70}"]) {
        if valid_payload(&payload) {
            prop_assert!((1..=64).contains(&payload.len()));
            prop_assert!(payload.is_ascii());
        }
    }

    #[test]
    fn deep_links_name_a_current_topic_or_nothing(
        raw in prop_oneof![
            ".*",
            "(strikes|energy|europe|old-topic|STRIKES|Strikes)(-C-|-c-|-C)?[a-zA-Z0-9_-]{0,60}",
            "inv_[A-Za-z0-9_-]{0,30}",
        ],
    ) {
        let topics = catalog();
        if let Some((topic, campaign)) = deep_link_target(&topics, &raw) {
            prop_assert!(valid_payload(&raw));
            prop_assert!(topics.get(topic.key.as_str()).is_some(), "a retired or unknown topic: {}", topic.key.as_str());
            if !campaign.is_empty() {
                prop_assert_eq!(Campaign::parse(&campaign, &topic.key).map(|c| c.as_str().to_owned()), Ok(campaign.clone()));
                prop_assert_eq!(format!("{}{CAMPAIGN_SEPARATOR}{campaign}", topic.key.as_str()), raw);
            }
        }
    }

    #[test]
    fn links_made_with_a_campaign_lead_back_to_it(
        key in prop::sample::select(vec!["energy".to_owned(), "strikes".to_owned(), "k".repeat(TopicKey::MAX_LEN)]),
        campaign in "[a-zA-Z0-9_-]{1,70}",
    ) {
        let topics = catalog();
        let key = TopicKey::parse(&key).expect("a valid key");
        if let Ok(campaign) = Campaign::parse(&campaign, &key) {
            let made = payload(&key, Some(&campaign));
            prop_assert!(valid_payload(&made), "{}", made);
            let target = deep_link_target(&topics, &made).map(|(t, c)| (t.key.clone(), c));
            prop_assert_eq!(target, Some((key, campaign.as_str().to_owned())));
        }
    }

    #[test]
    fn callback_data_parses_or_is_refused(data in callback_like()) {
        if let Some(parsed) = CallbackData::parse(&data) {
            let encoded = parsed.encode();
            prop_assert!(encoded.len() <= CallbackData::MAX_LEN);
            prop_assert_eq!(CallbackData::parse(&encoded), Some(parsed));
        }
    }

    #[test]
    fn every_callback_value_round_trips(value in callback_data()) {
        let encoded = value.encode();
        prop_assert!(!encoded.is_empty() && encoded.len() <= CallbackData::MAX_LEN, "{}", encoded);
        prop_assert_eq!(CallbackData::parse(&encoded), Some(value));
    }

    #[test]
    fn times_lie_ahead_or_are_refused(input in ".*", now in 0i64..4_102_444_800_000) {
        if let Ok(at) = parse_when(&input, now, TZ) {
            prop_assert!(at > now);
        }
    }

    #[test]
    fn event_lines_parse_or_say_why(line in prop_oneof![".*".boxed(), event_line().boxed()]) {
        if let Ok(parsed) = parse_one_line(&line, NOW, TZ) {
            prop_assert!(parsed.starts_at > NOW);
            prop_assert!(parsed.ends_at.is_none_or(|end| end > parsed.starts_at));
            prop_assert!(!parsed.title.is_empty() && parsed.title.chars().count() <= MAX_TITLE);
            prop_assert!(!parsed.place.is_empty() && parsed.place.chars().count() <= MAX_PLACE);
        }
    }

    #[test]
    fn places_and_points_are_checked(
        input in prop_oneof![".*", "[^()]{0,30} ?\\([0-9., -]{0,24}\\)", ".{0,30}geo:[0-9.,e+-]{0,24}"],
    ) {
        if let Ok((place, point)) = parse_place(&input) {
            prop_assert!(!place.is_empty() && place.chars().count() <= MAX_PLACE);
            if let Some((lat, lon)) = point {
                prop_assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon));
            }
        }
    }

    #[test]
    fn reminders_are_few_and_within_two_weeks(input in prop_oneof![".*", "([0-9]{0,25}(m|min|h|std|d|t|x)?[, ]{0,2}){0,7}"]) {
        if let Ok(minutes) = parse_reminders(&input) {
            let minutes: Vec<i64> = minutes.split(',').filter(|m| !m.is_empty()).map(|m| m.parse().unwrap()).collect();
            prop_assert!(minutes.len() <= 5);
            prop_assert!(minutes.iter().all(|m| (1..=14 * 1440).contains(m)));
            prop_assert!(minutes.windows(2).all(|w| w[0] > w[1]), "{:?}", minutes);
        }
    }

    #[test]
    fn topic_names_find_a_current_topic_or_nothing(
        input in prop_oneof![".*", "[ ]{0,2}(⚡ |✊ )?(energy|Energie & Klima|STRIKES|streiks|old-topic|europa)[ ]{0,2}"],
    ) {
        let topics = catalog();
        if let Some(topic) = topics.find(&input) {
            prop_assert!(topics.all().iter().any(|t| t.key == topic.key));
        }
        if let Some(key) = TopicKey::parse(&input) {
            prop_assert!(key.as_str().len() <= TopicKey::MAX_LEN);
        }
    }

    #[test]
    fn languages_are_german_or_english_or_refused(input in prop_oneof![".*", "[ ]?(de|en|DE|En)([-_][A-Za-z]{0,4})?[ ]?"]) {
        if let Some(locale) = Locale::parse(&input) {
            prop_assert!(Locale::ALL.contains(&locale));
        }
        let _ = Locale::from_telegram(Some(&input));
    }
}
