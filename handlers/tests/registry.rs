//! The command declarations of Basis's default plugins: every text they
//! name exists in every language, names do not collide, and the menu and
//! `/help` are made from them (a command a plugin declares shows up in
//! both, for its audience).

use std::collections::BTreeSet;

use basis_handlers::registry::{Args, Audience, Commands, Declaration, Id, Place, Required};
use basis_handlers::{DefaultPlugins, Locale, PluginGroup, Registry, Texts};

/// The commands of a bot made of Basis's default plugins.
fn default_commands() -> Commands {
    Registry::build(&DefaultPlugins::default().into_plugins()).expect("the default plugins fit").commands
}

fn declarations() -> Vec<Declaration> {
    default_commands().iter().cloned().collect()
}

#[test]
fn every_declared_text_exists_in_every_language() {
    let texts = Texts::load();
    for locale in Locale::ALL {
        let loader = texts.get(locale);
        for d in declarations() {
            assert!(loader.has(d.about), "{locale:?}: /{} has no description `{}`", d.name, d.about);
            if let Some(usage) = d.usage {
                assert!(loader.has(usage), "{locale:?}: /{} has no argument hint `{usage}`", d.name);
            }
            if let Some(denied) = d.denied {
                assert!(loader.has(denied), "{locale:?}: /{} has no refusal `{denied}`", d.name);
            }
        }
        for id in ["help-intro", "help-organizers", "help-owners", "command-usage"] {
            assert!(loader.has(id), "{locale:?}: no `{id}`");
        }
    }
}

#[test]
fn names_and_aliases_are_unique_and_valid_for_telegram() {
    let registry = default_commands();
    let mut seen = BTreeSet::new();
    for d in declarations() {
        assert!(!d.plugin.is_empty(), "/{} names the plugin that declared it", d.name);
        for name in std::iter::once(&d.name).chain(d.aliases) {
            assert!(seen.insert(*name), "/{name} is declared twice");
            let valid = !name.is_empty()
                && name.len() <= 32
                && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            assert!(valid, "/{name} is not a name Telegram's menu accepts");
            assert_eq!(registry.find(name).map(|found| found.name), Some(d.name), "/{name} finds its declaration");
        }
    }
    // What is not declared is not a command.
    assert!(registry.find("frobnicate").is_none());
}

#[test]
fn organizer_commands_work_in_private_chats_or_the_inbox_and_stay_out_of_the_members_menu() {
    for d in declarations() {
        if d.audience.is_organizers() {
            // The inbox's commands act on the group they are sent in.
            let place = if ["inbox", "mute", "close"].contains(&d.name) { Place::Group } else { Place::Private };
            assert_eq!(d.place, place, "/{}", d.name);
            assert!(!d.menu, "/{} is for organizers, not for every member's menu", d.name);
        }
    }
}

#[test]
fn commands_that_change_what_a_group_receives_are_for_its_admins() {
    let admins: Vec<&str> =
        declarations().iter().filter(|d| d.audience == Audience::GroupAdmin).map(|d| d.name).collect();
    assert_eq!(admins, ["subscribe", "unsubscribe", "region", "language", "mydata", "stop"]);
}

#[test]
fn the_menu_and_help_list_exactly_the_declared_commands_per_audience() {
    let texts = Texts::load();
    let registry = default_commands();
    let all = declarations();
    for locale in Locale::ALL {
        let menu: Vec<String> = registry.menu(&texts, locale).into_iter().map(|c| c.command).collect();
        let declared: Vec<&str> = all.iter().filter(|d| d.menu).map(|d| d.name).collect();
        assert_eq!(menu, declared, "{locale:?}");

        let listed = |audience| {
            let help = registry.help(&texts, locale, audience);
            all.iter().filter(|d| help.contains(&format!("\n/{} ", d.name))).map(|d| d.name).collect::<Vec<_>>()
        };
        let of = |max: Audience| all.iter().filter(|d| d.help && d.audience <= max).map(|d| d.name).collect::<Vec<_>>();
        assert_eq!(listed(Audience::Member), of(Audience::GroupAdmin), "{locale:?}");
        assert_eq!(listed(Audience::Organizer), of(Audience::Organizer), "{locale:?}");
        assert_eq!(listed(Audience::Owner), of(Audience::Owner), "{locale:?}");
        assert!(listed(Audience::Member).contains(&"privacy"));
        assert!(!listed(Audience::Member).contains(&"post"), "members are not shown organizers' commands");
        assert!(!listed(Audience::Organizer).contains(&"invite"), "organizers are not shown owners' commands");
    }
    let en = registry.help(&texts, Locale::En, Audience::Member);
    assert!(en.starts_with("How it works:\n/topics – Choose topics\n/subscribe <topic> – Follow a topic"), "{en}");
    let de = registry.help(&texts, Locale::De, Audience::Organizer);
    assert!(de.contains("Für Organisator*innen:\n/post <Themen> <Text> – An die Mitglieder von Themen senden"), "{de}");
}

#[test]
fn a_bot_without_regions_leaves_the_regional_commands_out() {
    let texts = Texts::load();
    let mut commands = default_commands();
    let regional: Vec<&str> = commands.iter().filter(|d| d.regional).map(|d| d.name).collect();
    assert_eq!(regional, ["region"]);
    commands.without_regional();
    assert!(commands.find("region").is_none(), "an unknown command");
    for locale in Locale::ALL {
        assert!(commands.menu(&texts, locale).iter().all(|c| c.command != "region"));
        assert!(!commands.help(&texts, locale, Audience::Owner).contains("/region"));
    }
}

#[test]
fn a_commands_usage_answer_names_it_with_its_arguments_in_the_askers_language() {
    let texts = Texts::load();
    let registry = default_commands();
    let retract = registry.find("zurueckziehen").expect("declared");
    assert_eq!(retract.usage_answer(&texts, Locale::En), "Usage: /retract <number>");
    assert_eq!(retract.usage_answer(&texts, Locale::De), "So geht es: /retract <Nummer>");
}

#[test]
fn argument_readers_accept_what_they_promise_and_nothing_else() {
    assert_eq!(Id::read("42"), Some(Id(42)));
    for refused in ["", "0", "-3", "+3", "4 2", "x", "9999999999999999999"] {
        assert_eq!(Id::read(refused), None, "{refused:?}");
    }
    assert_eq!(Required::read(""), None);
    assert_eq!(Required::read("strikes"), Some(Required("strikes".into())));
    assert_eq!(<String as Args>::read(""), Some(String::new()));
    assert_eq!(<() as Args>::read("trailing words"), Some(()));
}

#[test]
fn every_refusal_of_the_gate_reads_in_every_language() {
    use basis_handlers::registry::Refusal;
    let texts = Texts::load();
    let refusals = [
        Refusal::PrivateOnly,
        Refusal::GroupOnly,
        Refusal::GroupAdminsOnly,
        Refusal::GroupCheckFailed,
        Refusal::OrganizersOnly,
        Refusal::OwnersOnly,
    ];
    for d in declarations() {
        for locale in Locale::ALL {
            for refusal in refusals {
                let text = refusal.text(&d, &texts, locale);
                assert!(!text.is_empty() && !text.contains("-only"), "/{} {refusal:?} in {locale:?}: {text:?}", d.name);
            }
        }
    }
}
