//! A list of topics, as a post, an assembly, an invitation or an
//! organizer's scope names them: one type with one codec, instead of
//! comma-joined strings split in a dozen places.

use crate::TopicKey;

/// Topic keys in the order they were named, each once. Stored as one text
/// column, comma-separated (`strikes,energy`); an empty list is stored as
/// `''`, which for an organizer's scope means every topic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TopicList(Vec<TopicKey>);

impl TopicList {
    /// The list of `keys`, each once, in their first order.
    pub fn new(keys: impl IntoIterator<Item = TopicKey>) -> TopicList {
        let mut list = Vec::new();
        for key in keys {
            if !list.contains(&key) {
                list.push(key);
            }
        }
        TopicList(list)
    }

    /// The list a stored column holds. Parts that are no key (an empty
    /// column, stray commas) are left out.
    pub fn from_stored(stored: &str) -> TopicList {
        TopicList::new(stored.split(',').filter_map(|part| TopicKey::parse(part.trim())))
    }

    /// The list of `texts` if every one is a key; `None` otherwise.
    pub fn parse_all<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<TopicList> {
        texts.into_iter().map(TopicKey::parse).collect::<Option<Vec<_>>>().map(TopicList::new)
    }

    /// The text of its column: the keys, comma-separated.
    pub fn stored(&self) -> String {
        self.0.iter().map(TopicKey::as_str).collect::<Vec<_>>().join(",")
    }

    /// The keys, in order.
    pub fn keys(&self) -> &[TopicKey] {
        &self.0
    }

    /// The keys as text, in order.
    pub fn strs(&self) -> Vec<&str> {
        self.0.iter().map(TopicKey::as_str).collect()
    }

    /// Whether the topic `key` is in the list.
    pub fn names(&self, key: &str) -> bool {
        self.0.iter().any(|k| k.as_str() == key)
    }

    /// Adds `key` at the end, unless it is in the list; `false` if it was.
    pub fn insert(&mut self, key: TopicKey) -> bool {
        if self.0.contains(&key) {
            return false;
        }
        self.0.push(key);
        true
    }

    /// Takes `key` out; `false` if it was not in the list.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|k| k.as_str() != key);
        self.0.len() != before
    }
}

impl std::ops::Deref for TopicList {
    type Target = [TopicKey];
    fn deref(&self) -> &[TopicKey] {
        &self.0
    }
}

impl std::fmt::Display for TopicList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.stored())
    }
}

impl FromIterator<TopicKey> for TopicList {
    fn from_iter<I: IntoIterator<Item = TopicKey>>(keys: I) -> TopicList {
        TopicList::new(keys)
    }
}

impl<'a> IntoIterator for &'a TopicList {
    type Item = &'a TopicKey;
    type IntoIter = std::slice::Iter<'a, TopicKey>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

crate::text_column!(TopicList, |list| list.stored(), |text| Ok(TopicList::from_stored(text)));

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> TopicKey {
        TopicKey::parse(k).unwrap()
    }

    #[test]
    fn a_list_keeps_the_first_order_and_each_key_once() {
        let list = TopicList::new([key("strikes"), key("energy"), key("strikes")]);
        assert_eq!(list.strs(), ["strikes", "energy"]);
        assert_eq!(list.stored(), "strikes,energy");
        assert_eq!(TopicList::from_stored("strikes,energy"), list);
        assert!(list.names("energy") && !list.names("europe"));
    }

    #[test]
    fn a_stored_column_reads_back_without_stray_parts() {
        assert!(TopicList::from_stored("").is_empty());
        assert_eq!(TopicList::from_stored(",strikes,,Bad Key, energy").strs(), ["strikes", "energy"]);
        assert_eq!(TopicList::default().stored(), "");
    }

    #[test]
    fn parse_all_refuses_a_list_with_a_part_that_is_no_key() {
        assert_eq!(TopicList::parse_all(["strikes", "energy"]).unwrap().len(), 2);
        assert!(TopicList::parse_all(["strikes", "Energie!"]).is_none());
    }

    #[test]
    fn insert_and_remove_keep_it_a_set() {
        let mut list = TopicList::default();
        assert!(list.insert(key("strikes")) && !list.insert(key("strikes")));
        assert!(list.insert(key("energy")));
        assert!(list.remove("strikes") && !list.remove("strikes"));
        assert_eq!(list.to_string(), "energy");
    }
}
