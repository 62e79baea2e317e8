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
