//! The command declarations: every text they name exists in every
//! language, names do not collide, and the menu and `/help` are made from
//! them (a command added to the table shows up in both, for its audience).

use std::collections::BTreeSet;

use basis_handlers::command::{Command, CommandText};
use basis_handlers::registry::{Action, Audience, COMMANDS, Commands, Place};
use basis_handlers::{DefaultPlugins, Locale, PluginGroup, Registry, Texts};

/// The commands of a bot made of Basis's default plugins.
fn default_commands() -> Commands {
    Registry::build(&DefaultPlugins::default().into_plugins()).expect("the default plugins fit").commands
}

#[test]
fn every_declared_text_exists_in_every_language() {
    let texts = Texts::load();
    for locale in Locale::ALL {
        let loader = texts.get(locale);
        for d in COMMANDS {
            assert!(loader.has(d.about), "{locale:?}: /{} has no description `{}`", d.name, d.about);
            if let Some(usage) = d.usage {
                assert!(loader.has(usage), "{locale:?}: /{} has no argument hint `{usage}`", d.name);
            }
        }
        for id in ["help-intro", "help-organizers", "help-owners"] {
            assert!(loader.has(id), "{locale:?}: no `{id}`");
        }
    }
}

#[test]
fn names_and_aliases_are_unique_and_valid_for_telegram() {
    let mut seen = BTreeSet::new();
    for d in COMMANDS {
        for name in std::iter::once(&d.name).chain(d.aliases) {
            assert!(seen.insert(*name), "/{name} is declared twice");
            let valid = !name.is_empty()
                && name.len() <= 32
                && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            assert!(valid, "/{name} is not a name Telegram's menu accepts");
            let parsed = Command::from_text(&CommandText::split(&format!("/{name} x")).unwrap());
            let Action::Basis(parse) = d.action else { panic!("/{name} is Basis's own") };
            assert_eq!(parsed, Some(parse("x".into())), "/{name} reads as its declaration says");
        }
    }
    // What is not declared is not a command.
    assert_eq!(Command::from_text(&CommandText::split("/frobnicate").unwrap()), None);
}

#[test]
fn organizer_commands_work_in_private_chats_only_and_stay_out_of_the_members_menu() {
    for d in COMMANDS {
        if d.audience > Audience::Member {
            assert_eq!(d.place, Place::Private, "/{}", d.name);
            assert!(!d.menu, "/{} is for organizers, not for every member's menu", d.name);
        }
    }
}

#[test]
fn the_menu_and_help_list_exactly_the_declared_commands_per_audience() {
    let texts = Texts::load();
    let registry = default_commands();
    let names: Vec<&str> = registry.iter().map(|d| d.name).collect();
    let all: Vec<&str> = COMMANDS.iter().map(|d| d.name).collect();
    assert_eq!(names, all, "the default plugins add every command, in the table's order");
    for locale in Locale::ALL {
        let menu: Vec<String> = registry.menu(&texts, locale).into_iter().map(|c| c.command).collect();
        let declared: Vec<&str> = COMMANDS.iter().filter(|d| d.menu).map(|d| d.name).collect();
        assert_eq!(menu, declared, "{locale:?}");

        let listed = |audience| {
            let help = registry.help(&texts, locale, audience);
            COMMANDS.iter().filter(|d| help.contains(&format!("\n/{} ", d.name))).map(|d| d.name).collect::<Vec<_>>()
        };
        let of =
            |max: Audience| COMMANDS.iter().filter(|d| d.help && d.audience <= max).map(|d| d.name).collect::<Vec<_>>();
        assert_eq!(listed(Audience::Member), of(Audience::Member), "{locale:?}");
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
