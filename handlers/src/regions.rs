//! The regions members can say they are in, held in memory after the
//! configuration seeded the database (they only change at start-up), as a
//! tree: a post to a region reaches the regions below it.
//!
//! Pure: finding a region by what someone typed, names per language, the
//! tree (roots, children, everything below), and whether an organizer's
//! region scope permits a target. With no regions configured the catalog
//! is empty, and nothing about regions is shown anywhere.

use basis_storage::Region;

use crate::i18n::Locale;

pub use basis_core::RegionKey;

/// A region as members see it, with its name in every language.
#[derive(Clone, Debug)]
pub struct CatalogRegion {
    /// The stable key, as in `/region wolfsburg`.
    pub key: RegionKey,
    /// The region it lies in; `None` at the top of the tree.
    pub parent: Option<RegionKey>,
    names: [String; 2],
}

impl CatalogRegion {
    /// `Niedersachsen`: the name in `locale`.
    pub fn name(&self, locale: Locale) -> &str {
        &self.names[locale as usize]
    }
}

/// Every region members can choose, in the configured order.
#[derive(Clone, Debug, Default)]
pub struct RegionCatalog {
    regions: Vec<CatalogRegion>,
}

impl RegionCatalog {
    /// Builds the catalog from stored regions, leaving retired ones out. A
    /// missing translation falls back to the other language, then the key;
    /// a region whose parent is not current stands at the top.
    pub fn from_stored(stored: &[Region]) -> RegionCatalog {
        let current = |key: &RegionKey| stored.iter().any(|r| !r.retired && &r.key == key);
        let regions = stored
            .iter()
            .filter(|r| !r.retired)
            .map(|r| {
                let text = |locale: Locale| r.texts.iter().find(|x| x.locale == locale.code()).map(|x| x.name.clone());
                let de = text(Locale::De).or_else(|| text(Locale::En)).unwrap_or_else(|| r.key.to_string());
                let en = text(Locale::En).unwrap_or_else(|| de.clone());
                CatalogRegion { key: r.key.clone(), parent: r.parent.clone().filter(current), names: [de, en] }
            })
            .collect();
        RegionCatalog { regions }
    }

    /// Whether no region is configured: then members are never asked,
    /// shown or told anything about regions.
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// Every region, in the configured order.
    pub fn all(&self) -> &[CatalogRegion] {
        &self.regions
    }

    /// The region with exactly this key.
    pub fn get(&self, key: &str) -> Option<&CatalogRegion> {
        self.regions.iter().find(|r| r.key.as_str() == key)
    }

    /// What someone typed: the key or a localized name, in any case, with
    /// a leading `@` or without.
    pub fn find(&self, input: &str) -> Option<&CatalogRegion> {
        let wanted = normalize(input.trim().trim_start_matches('@'));
        if wanted.is_empty() {
            return None;
        }
        self.regions
            .iter()
            .find(|r| r.key.as_str() == wanted || Locale::ALL.iter().any(|&l| normalize(r.name(l)) == wanted))
    }

    /// The regions at the top of the tree (all of them in a flat list), in
    /// the configured order: the first keyboard of `/region`.
    pub fn roots(&self) -> Vec<&CatalogRegion> {
        self.regions.iter().filter(|r| r.parent.is_none()).collect()
    }

    /// The regions directly below `key`, in the configured order: a
    /// submenu of `/region`.
    pub fn children(&self, key: &RegionKey) -> Vec<&CatalogRegion> {
        self.regions.iter().filter(|r| r.parent.as_ref() == Some(key)).collect()
    }

    /// Whether any region lies below `key`.
    pub fn has_children(&self, key: &RegionKey) -> bool {
        self.regions.iter().any(|r| r.parent.as_ref() == Some(key))
    }

    /// The regions `key` lies in, from its parent up to the top.
    pub fn ancestors(&self, key: &RegionKey) -> Vec<&CatalogRegion> {
        let mut above = Vec::new();
        let mut at = self.get(key.as_str());
        while let Some(parent) = at.and_then(|r| r.parent.as_ref()).and_then(|p| self.get(p.as_str())) {
            // The configuration rules out circles; a bound keeps a broken
            // database from looping.
            if above.len() >= self.regions.len() {
                break;
            }
            above.push(parent);
            at = Some(parent);
        }
        above
    }

    /// `Niedersachsen › Wolfsburg`: the region's name after the names of
    /// the regions it lies in; `None` for a region not in the catalog (an
    /// unknown or retired one, which members are not shown).
    pub fn path_label(&self, key: &RegionKey, locale: Locale) -> Option<String> {
        let region = self.get(key.as_str())?;
        let mut names: Vec<&str> = self.ancestors(key).iter().rev().map(|r| r.name(locale)).collect();
        names.push(region.name(locale));
        Some(names.join(" › "))
    }

    /// Localized names of the given keys in catalog order; unknown and
    /// retired ones are left out.
    pub fn labels_of(&self, keys: &[RegionKey], locale: Locale) -> Vec<String> {
        self.regions.iter().filter(|r| keys.contains(&r.key)).map(|r| r.name(locale).to_owned()).collect()
    }

    /// The regions `keys` and every region below them, each once, in the
    /// catalog's order: whom a post to `keys` reaches. Keys not in the
    /// catalog reach nobody and are left out.
    pub fn descendants_and_self(&self, keys: &[RegionKey]) -> Vec<RegionKey> {
        self.regions.iter().filter(|r| self.within(&r.key, keys)).map(|r| r.key.clone()).collect()
    }

    /// Whether `key` is one of `scope` or lies below one of them.
    pub fn within(&self, key: &RegionKey, scope: &[RegionKey]) -> bool {
        self.get(key.as_str()).is_some()
            && (scope.contains(key) || self.ancestors(key).iter().any(|r| scope.contains(&r.key)))
    }

    /// Whether an organizer with region scope `scope` (`None`: not limited
    /// to regions) may post to `targets` (empty: every region and members
    /// without one). A limited organizer must name regions, each inside
    /// the scope; a region not in the catalog is never inside.
    pub fn permits(&self, scope: Option<&[RegionKey]>, targets: &[RegionKey]) -> bool {
        match scope {
            None => true,
            Some(scope) => !targets.is_empty() && targets.iter().all(|t| self.within(t, scope)),
        }
    }

    /// Each region of the catalog, in its order, with the members of the
    /// region itself and of every region below it, from counts per region
    /// chosen (which do not overlap: a chat has one region); counts of
    /// regions not in the catalog (retired ones) are left out. Where a parent
    /// and all but one child are shown, the last child's figure can be
    /// worked out: whoever hides small figures must hide with that in mind.
    pub fn rolled_up(&self, counts: &[(RegionKey, i64)]) -> Vec<(&CatalogRegion, i64)> {
        self.regions
            .iter()
            .map(|region| {
                let below = std::slice::from_ref(&region.key);
                let total = counts.iter().filter(|(key, _)| self.within(key, below)).map(|(_, n)| n).sum();
                (region, total)
            })
            .collect()
    }
}

/// The smallest figure `/stats` shows; fewer members show as "< 5", so that
/// a count never points at a person.
pub const SMALLEST_SHOWN: i64 = 5;

/// A figure of the statistics: shown, or hidden because it is small or
/// because it would let a small one be worked out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// At least [`SMALLEST_SHOWN`], and safe to show.
    Shown(i64),
    /// Shown as "< 5".
    Hidden,
}

/// Subscribers per region as `/stats` shows them: every current region in
/// the catalog's order with the members of it and of the regions below it,
/// and those without a region.
#[derive(Clone, Debug)]
pub struct RegionFigures<'a> {
    /// Each region of the catalog, in its order.
    pub regions: Vec<(&'a CatalogRegion, Figure)>,
    /// Subscribers who chose no region.
    pub without: Figure,
}

impl RegionCatalog {
    /// The keys `input` names: `@wolfsburg,kassel`, `@wolfsburg @kassel` or
    /// `wolfsburg`, by key or a name of one word, each once, in the order
    /// given. `Err` holds the first part that names no current region;
    /// `Ok` with no keys when nothing is named.
    pub fn parse_targets(&self, input: &str) -> Result<Vec<RegionKey>, String> {
        let mut keys: Vec<RegionKey> = Vec::new();
        for part in input.split([',', '@', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
            let region = self.find(part).ok_or_else(|| part.chars().take(64).collect::<String>())?;
            if !keys.contains(&region.key) {
                keys.push(region.key.clone());
            }
        }
        Ok(keys)
    }

    /// How deep `key` lies: 0 at the top.
    pub fn depth(&self, key: &RegionKey) -> usize {
        self.ancestors(key).len()
    }

    /// One line per region, indented by its depth: `Wolfsburg — wolfsburg`,
    /// for answers that list what can be chosen.
    pub fn listing(&self, locale: Locale) -> String {
        self.regions
            .iter()
            .map(|r| format!("{}{} — {}", "  ".repeat(self.depth(&r.key)), r.name(locale), r.key))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The regions at the top of what someone limited to `scope` may
    /// choose: the catalog's roots when not limited, else the regions of
    /// the scope (in the catalog's order) that do not lie below another
    /// of them.
    pub fn tops_within(&self, scope: Option<&[RegionKey]>) -> Vec<&CatalogRegion> {
        match scope {
            None => self.roots(),
            Some(scope) => self
                .regions
                .iter()
                .filter(|r| scope.contains(&r.key) && !self.ancestors(&r.key).iter().any(|a| scope.contains(&a.key)))
                .collect(),
        }
    }

    /// Subscribers per region for `/stats`, from the subscribers per region
    /// chosen (`own`, retired regions too) and those without a region. A
    /// figure below [`SMALLEST_SHOWN`] is hidden, and so is a second one
    /// wherever a hidden small figure could otherwise be worked out: a
    /// region's own members (those who chose it, not a region below it) are
    /// its figure less its children's, and the figures at the top add up to
    /// all subscribers, which the topics' figures may give away.
    pub fn figures(&self, own: &[(RegionKey, i64)], without: i64) -> RegionFigures<'_> {
        let small = |n: i64| n < SMALLEST_SHOWN;
        let sensitive = |n: i64| (1..SMALLEST_SHOWN).contains(&n);
        let rolled = self.rolled_up(own);
        let mut hidden: Vec<bool> = rolled.iter().map(|(_, n)| small(*n)).collect();
        let at = |key: &RegionKey| self.regions.iter().position(|r| &r.key == key);
        let own_of = |key: &RegionKey| own.iter().filter(|(k, _)| k == key).map(|(_, n)| n).sum::<i64>();
        // A region shown with all its children shown gives its own members
        // away: when they are few, the smallest child is hidden too.
        for (i, region) in self.regions.iter().enumerate() {
            let children: Vec<usize> = self.children(&region.key).iter().filter_map(|c| at(&c.key)).collect();
            if hidden[i] || children.is_empty() || children.iter().any(|&c| hidden[c]) {
                continue;
            }
            if sensitive(own_of(&region.key))
                && let Some(&smallest) = children.iter().min_by_key(|&&c| (rolled[c].1, std::cmp::Reverse(c)))
            {
                hidden[smallest] = true;
            }
        }
        // The top: those without a region, the roots and the members of
        // retired regions (never shown) add up to everyone.
        let retired: i64 = own.iter().filter(|(k, _)| self.get(k.as_str()).is_none()).map(|(_, n)| n).sum();
        let mut without_hidden = small(without);
        let roots: Vec<usize> = self.roots().iter().filter_map(|r| at(&r.key)).collect();
        let mut cells: Vec<(Option<usize>, i64, bool)> =
            roots.iter().map(|&i| (Some(i), rolled[i].1, hidden[i])).collect();
        cells.push((None, without, without_hidden));
        if retired > 0 {
            // Never shown, so it counts as hidden.
            cells.push((None, retired, true));
        }
        let unknown: Vec<&(Option<usize>, i64, bool)> = cells.iter().filter(|c| c.2).collect();
        let retired_cell = usize::from(retired > 0);
        if unknown.len() == 1 && sensitive(unknown[0].1) {
            let smallest = cells.iter().take(cells.len() - retired_cell).filter(|c| !c.2).min_by_key(|c| c.1);
            match smallest {
                Some((Some(i), ..)) => hidden[*i] = true,
                Some((None, ..)) => without_hidden = true,
                None => {}
            }
        }
        let figure = |n: i64, hide: bool| if hide { Figure::Hidden } else { Figure::Shown(n) };
        RegionFigures {
            regions: rolled.into_iter().zip(hidden).map(|((region, n), hide)| (region, figure(n, hide))).collect(),
            without: figure(without, without_hidden),
        }
    }
}

fn normalize(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use basis_storage::RegionText;

    fn key(k: &str) -> RegionKey {
        RegionKey::parse(k).unwrap()
    }

    fn keys(ks: &[&str]) -> Vec<RegionKey> {
        ks.iter().map(|k| key(k)).collect()
    }

    fn stored(k: &str, parent: Option<&str>, names: &[(&str, &str)], retired: bool) -> Region {
        Region {
            key: key(k),
            parent: parent.map(key),
            position: 0,
            retired,
            texts: names.iter().map(|(l, n)| RegionText { locale: (*l).into(), name: (*n).into() }).collect(),
        }
    }

    /// Niedersachsen › Wolfsburg › VW-Werk, Niedersachsen › Hannover,
    /// Hessen › Kassel, and Braunschweig retired.
    fn catalog() -> RegionCatalog {
        RegionCatalog::from_stored(&[
            stored("niedersachsen", None, &[("de", "Niedersachsen"), ("en", "Lower Saxony")], false),
            stored("wolfsburg", Some("niedersachsen"), &[("de", "Wolfsburg")], false),
            stored("vw-werk", Some("wolfsburg"), &[("de", "VW-Werk Wolfsburg"), ("en", "VW plant")], false),
            stored("hannover", Some("niedersachsen"), &[("de", "Hannover"), ("en", "Hanover")], false),
            stored("hessen", None, &[("de", "Hessen"), ("en", "Hesse")], false),
            stored("kassel", Some("hessen"), &[], false),
            stored("braunschweig", Some("niedersachsen"), &[("de", "Braunschweig")], true),
        ])
    }

    #[test]
    fn with_no_regions_configured_the_catalog_is_empty() {
        let none = RegionCatalog::from_stored(&[]);
        assert!(none.is_empty());
        assert!(none.roots().is_empty() && none.find("wolfsburg").is_none());
        assert!(RegionCatalog::default().is_empty());
        assert!(!catalog().is_empty());
    }

    #[test]
    fn regions_are_found_by_key_or_localized_name_in_any_case() {
        let c = catalog();
        assert_eq!(c.find("wolfsburg").unwrap().key, key("wolfsburg"));
        assert_eq!(c.find("@wolfsburg").unwrap().key, key("wolfsburg"));
        assert_eq!(c.find("LOWER  SAXONY").unwrap().key, key("niedersachsen"));
        assert_eq!(c.find("vw plant").unwrap().key, key("vw-werk"));
        assert_eq!(c.find(" VW-Werk Wolfsburg ").unwrap().key, key("vw-werk"));
        assert!(c.find("braunschweig").is_none(), "retired regions are hidden");
        assert!(c.find("").is_none() && c.find("@").is_none() && c.find("atlantis").is_none());
        assert!(c.get("braunschweig").is_none());
    }

    #[test]
    fn names_fall_back_to_the_other_language_then_the_key() {
        let c = catalog();
        assert_eq!(c.get("wolfsburg").unwrap().name(Locale::En), "Wolfsburg");
        assert_eq!(c.get("niedersachsen").unwrap().name(Locale::En), "Lower Saxony");
        assert_eq!(c.get("kassel").unwrap().name(Locale::De), "kassel");
        assert_eq!(
            c.labels_of(&keys(&["hessen", "braunschweig", "niedersachsen"]), Locale::En),
            ["Lower Saxony", "Hesse"]
        );
        assert_eq!(c.path_label(&key("vw-werk"), Locale::En).unwrap(), "Lower Saxony › Wolfsburg › VW plant");
        assert_eq!(c.path_label(&key("hessen"), Locale::De).unwrap(), "Hessen");
        assert!(c.path_label(&key("braunschweig"), Locale::De).is_none());
    }

    #[test]
    fn the_tree_has_roots_children_and_regions_below() {
        let c = catalog();
        let roots: Vec<&str> = c.roots().iter().map(|r| r.key.as_str()).collect();
        assert_eq!(roots, ["niedersachsen", "hessen"]);
        let children: Vec<&str> = c.children(&key("niedersachsen")).iter().map(|r| r.key.as_str()).collect();
        assert_eq!(children, ["wolfsburg", "hannover"], "the retired one is not among them");
        assert!(c.has_children(&key("wolfsburg")) && !c.has_children(&key("vw-werk")));
        let above: Vec<&str> = c.ancestors(&key("vw-werk")).iter().map(|r| r.key.as_str()).collect();
        assert_eq!(above, ["wolfsburg", "niedersachsen"]);

        assert_eq!(
            c.descendants_and_self(&keys(&["niedersachsen"])),
            keys(&["niedersachsen", "wolfsburg", "vw-werk", "hannover"])
        );
        assert_eq!(c.descendants_and_self(&keys(&["wolfsburg", "kassel"])), keys(&["wolfsburg", "vw-werk", "kassel"]));
        assert_eq!(
            c.descendants_and_self(&keys(&["vw-werk", "niedersachsen", "wolfsburg"])),
            keys(&["niedersachsen", "wolfsburg", "vw-werk", "hannover"]),
            "each once, in catalog order"
        );
        assert!(c.descendants_and_self(&keys(&["braunschweig", "atlantis"])).is_empty());
        assert!(c.descendants_and_self(&[]).is_empty());
    }

    #[test]
    fn a_flat_list_is_all_roots() {
        let flat = RegionCatalog::from_stored(&[
            stored("wolfsburg", None, &[("de", "Wolfsburg")], false),
            stored("kassel", None, &[("de", "Kassel")], false),
        ]);
        assert_eq!(flat.roots().len(), 2);
        assert!(flat.children(&key("wolfsburg")).is_empty());
        assert_eq!(flat.descendants_and_self(&keys(&["kassel"])), keys(&["kassel"]));
    }

    #[test]
    fn a_region_below_a_retired_one_stands_at_the_top() {
        let c = RegionCatalog::from_stored(&[
            stored("land", None, &[("de", "Land")], true),
            stored("bezirk", Some("land"), &[("de", "Bezirk")], false),
        ]);
        assert_eq!(c.roots().iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["bezirk"]);
        assert_eq!(c.path_label(&key("bezirk"), Locale::De).unwrap(), "Bezirk");
    }

    #[test]
    fn a_region_scope_permits_only_targets_inside_it() {
        let c = catalog();
        let kassel = keys(&["kassel"]);
        let niedersachsen = keys(&["niedersachsen"]);
        assert!(c.permits(None, &[]), "not limited: also untargeted");
        assert!(c.permits(None, &keys(&["kassel"])));
        assert!(c.permits(Some(&kassel), &keys(&["kassel"])));
        assert!(!c.permits(Some(&kassel), &[]), "a limited organizer must name regions");
        assert!(!c.permits(Some(&kassel), &keys(&["hessen"])), "not the region above");
        assert!(!c.permits(Some(&kassel), &keys(&["kassel", "wolfsburg"])), "every target inside");
        assert!(c.permits(Some(&niedersachsen), &keys(&["vw-werk", "hannover"])), "below, two levels down");
        assert!(!c.permits(Some(&niedersachsen), &keys(&["braunschweig"])), "retired: not inside");
        assert!(!c.permits(Some(&keys(&["braunschweig"])), &keys(&["braunschweig"])));
        assert!(!c.permits(Some(&[]), &keys(&["kassel"])), "a scope of nothing permits nothing");
    }

    #[test]
    fn targets_are_read_from_keys_and_names_after_an_at_sign() {
        let c = catalog();
        assert_eq!(c.parse_targets("@wolfsburg,kassel").unwrap(), keys(&["wolfsburg", "kassel"]));
        assert_eq!(c.parse_targets("@wolfsburg @Hesse @wolfsburg").unwrap(), keys(&["wolfsburg", "hessen"]));
        assert_eq!(c.parse_targets("@hannover,").unwrap(), keys(&["hannover"]));
        assert!(c.parse_targets("@").unwrap().is_empty());
        assert_eq!(c.parse_targets("@wolfsburg,atlantis").unwrap_err(), "atlantis");
        assert_eq!(c.parse_targets("@braunschweig").unwrap_err(), "braunschweig", "retired regions are unknown");
        assert_eq!(c.depth(&key("vw-werk")), 2);
        let listing = c.listing(Locale::En);
        assert!(listing.starts_with("Lower Saxony — niedersachsen\n  Wolfsburg — wolfsburg\n    VW plant — vw-werk"));
        assert!(!listing.contains("braunschweig"));
    }

    #[test]
    fn a_scope_shows_its_own_regions_at_the_top() {
        let c = catalog();
        let tops =
            |scope: Option<&[RegionKey]>| c.tops_within(scope).iter().map(|r| r.key.to_string()).collect::<Vec<_>>();
        assert_eq!(tops(None), ["niedersachsen", "hessen"]);
        assert_eq!(tops(Some(&keys(&["kassel", "wolfsburg", "vw-werk"]))), ["wolfsburg", "kassel"]);
    }

    fn shown(figures: &RegionFigures<'_>) -> Vec<(String, Figure)> {
        figures.regions.iter().map(|(r, f)| (r.key.to_string(), *f)).collect()
    }

    #[test]
    fn small_figures_are_hidden_and_so_is_what_would_give_them_away() {
        use Figure::{Hidden, Shown};
        let c = catalog();
        let row = |k: &str, f: Figure| (k.to_owned(), f);
        // Plenty everywhere: everything is shown.
        let figures =
            c.figures(&[(key("wolfsburg"), 10), (key("vw-werk"), 40), (key("hannover"), 8), (key("kassel"), 9)], 20);
        assert_eq!(
            shown(&figures),
            [
                row("niedersachsen", Shown(58)),
                row("wolfsburg", Shown(50)),
                row("vw-werk", Shown(40)),
                row("hannover", Shown(8)),
                row("hessen", Shown(9)),
                row("kassel", Shown(9))
            ]
        );
        assert_eq!(figures.without, Shown(20));

        // Kassel has 3: hidden, and Hessen (3 as well) too. Hessen alone
        // hidden at the top would follow from everyone less Niedersachsen
        // and those without a region, so the smallest other figure there
        // is hidden as well.
        let figures = c.figures(&[(key("wolfsburg"), 10), (key("hannover"), 8), (key("kassel"), 3)], 20);
        assert_eq!(
            shown(&figures),
            [
                row("niedersachsen", Hidden),
                row("wolfsburg", Shown(10)),
                row("vw-werk", Hidden),
                row("hannover", Shown(8)),
                row("hessen", Hidden),
                row("kassel", Hidden)
            ]
        );
        assert_eq!(figures.without, Shown(20));

        // Two members chose Niedersachsen itself: with it and all its
        // children shown they would be its figure less the children's.
        let figures = c.figures(
            &[(key("niedersachsen"), 2), (key("wolfsburg"), 10), (key("hannover"), 8), (key("kassel"), 9)],
            20,
        );
        let rows = shown(&figures);
        assert_eq!(rows[0], row("niedersachsen", Shown(20)));
        assert_eq!(rows[3], row("hannover", Hidden), "the smaller child");
        assert_eq!(rows[1], row("wolfsburg", Shown(10)));

        // Members of a retired region are never shown: three of them would
        // follow from everyone less the rest, unless one more is hidden.
        let figures =
            c.figures(&[(key("wolfsburg"), 10), (key("hannover"), 8), (key("kassel"), 9), (key("braunschweig"), 3)], 6);
        assert_eq!(figures.without, Hidden, "the smallest shown figure at the top");
        assert_eq!(shown(&figures)[0], row("niedersachsen", Shown(18)));

        // Nobody anywhere: all hidden, nothing to give away.
        let figures = c.figures(&[], 0);
        assert!(figures.regions.iter().all(|(_, f)| *f == Hidden) && figures.without == Hidden);
    }

    #[test]
    fn counts_roll_up_to_the_regions_above() {
        let c = catalog();
        let counts = [(key("wolfsburg"), 3), (key("vw-werk"), 40), (key("kassel"), 2), (key("braunschweig"), 7)];
        let rolled: Vec<(&str, i64)> = c.rolled_up(&counts).into_iter().map(|(r, n)| (r.key.as_str(), n)).collect();
        assert_eq!(
            rolled,
            [("niedersachsen", 43), ("wolfsburg", 43), ("vw-werk", 40), ("hannover", 0), ("hessen", 2), ("kassel", 2)]
        );
    }
}
