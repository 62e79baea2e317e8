//! The organizers' inbox on every engine: conversations open and close,
//! relays are claimed one per conversation and direction under a lease,
//! in the order they were written, settled only with the lease's token,
//! and a member who leaves leaves nothing behind.

use basis_storage::{ChatId, UserId};
use std::collections::{HashMap, HashSet};

use basis_storage::testing::TestDatabase;
use basis_storage::{
    ClaimedRelay, Copied, Inbox, InboxCopy, NewAnswer, RELAY_BATCH, Received, RelayDirection, Storage,
};

const INBOX: i64 = -1_001_234;
const LEASE: i64 = 60_000;

fn inbox(forum: bool) -> Inbox {
    Inbox { chat_id: ChatId(INBOX), forum, locale: "de".into(), set_by: UserId(1), set_at: 0 }
}

async fn claim(s: &Storage, direction: RelayDirection, now: i64) -> Vec<ClaimedRelay> {
    s.inbox_claim(direction, RELAY_BATCH, now, LEASE).await.unwrap()
}

/// Copies the relay into the inbox as message `copy` and settles it.
async fn relayed(s: &Storage, relay: &ClaimedRelay, copy: i64, now: i64) -> bool {
    let copied = Copied { inbox_chat_id: ChatId(INBOX), inbox_message_id: copy, member_message_id: relay.message_id };
    s.inbox_relayed(relay, copied, now).await.unwrap()
}

fn queued(received: Received) -> (i64, bool) {
    match received {
        Received::Queued { case_no, opened } => (case_no, opened),
        Received::Muted => panic!("the member is not muted"),
    }
}

#[tokio::test]
async fn a_members_first_message_opens_a_conversation_and_the_next_ones_join_it() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        assert_eq!(s.inbox().await.unwrap(), None);
        assert_eq!(s.set_inbox(&inbox(true)).await.unwrap(), None);
        assert_eq!(s.inbox().await.unwrap(), Some(inbox(true)));

        let (anna, opened) = queued(s.inbox_receive(ChatId(1_001), 10, None, 100).await.unwrap());
        assert!(opened, "{:?}: the first message opens the conversation", db.engine());
        assert_eq!(queued(s.inbox_receive(ChatId(1_001), 11, None, 101).await.unwrap()), (anna, false));
        let (ben, opened) = queued(s.inbox_receive(ChatId(1_002), 5, None, 102).await.unwrap());
        assert!(opened && ben != anna, "each member has a case of their own");
        assert_eq!(s.inbox_waiting().await.unwrap(), 3);

        // Closed, the conversation opens again with the next message, with
        // its own first answer.
        let answer =
            NewAnswer { case_no: anna, inbox_chat_id: ChatId(INBOX), message_id: 77, reply_to: Some(10), signer: None };
        assert!(s.inbox_answer(&answer, 150).await.unwrap());
        assert_eq!(s.inbox_case(anna).await.unwrap().unwrap().answered_at, Some(150));
        assert!(s.inbox_close(anna, UserId(9), 200).await.unwrap());
        assert!(!s.inbox_close(anna, UserId(9), 201).await.unwrap(), "closed once");
        assert_eq!(queued(s.inbox_receive(ChatId(1_001), 12, None, 300).await.unwrap()), (anna, true));
        let case = s.inbox_case(anna).await.unwrap().unwrap();
        assert_eq!((case.opened_at, case.answered_at, case.closed_at), (300, None, None));

        // Muted, nothing more is queued, and what waited is dropped.
        assert!(s.inbox_mute(ben, true, UserId(9), 400).await.unwrap());
        assert_eq!(s.inbox_receive(ChatId(1_002), 6, None, 401).await.unwrap(), Received::Muted);
        let waiting = claim(s, RelayDirection::ToInbox, 500).await;
        assert!(waiting.iter().all(|r| r.case_no == anna), "{:?}: {waiting:?}", db.engine());
        assert!(s.inbox_mute(ben, false, UserId(9), 402).await.unwrap());
        assert!(!s.inbox_mute(ben, false, UserId(9), 403).await.unwrap(), "unmuted once");
        assert!(matches!(
            s.inbox_receive(ChatId(1_002), 7, None, 404).await.unwrap(),
            Received::Queued { opened: false, .. }
        ));

        // Every step is in the audit log, with the case number, never the chat.
        let actions: Vec<String> =
            s.audit_entries(20).await.unwrap().iter().map(|e| format!("{} {}", e.action, e.subject)).collect();
        for expected in ["inbox -1001234", format!("close #{anna}").as_str(), format!("mute #{ben}").as_str()] {
            assert!(actions.iter().any(|a| a == expected), "{:?}: {actions:?}", db.engine());
        }
        assert!(!actions.iter().any(|a| a.ends_with(" 1001") || a.ends_with(" 1002")), "{actions:?}");
    }
}

#[tokio::test]
async fn a_conversation_has_one_relay_in_flight_per_direction_and_keeps_its_order() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        s.set_inbox(&inbox(false)).await.unwrap();
        // Three members write three messages each, interleaved.
        for message in 1..=3 {
            for chat in [1, 2, 3] {
                s.inbox_receive(ChatId(chat), message, None, message).await.unwrap();
            }
        }
        let mut copy = 1_000;
        let mut arrived: HashMap<i64, Vec<i64>> = HashMap::new();
        for round in 1..=3 {
            let batch = claim(s, RelayDirection::ToInbox, 10).await;
            let chats: Vec<i64> = batch.iter().map(|r| r.chat_id.0).collect();
            assert_eq!(chats, [1, 2, 3], "{:?}: round {round} takes the head of each conversation", db.engine());
            assert!(claim(s, RelayDirection::ToInbox, 10).await.is_empty(), "nothing more while they are in flight");
            for relay in &batch {
                copy += 1;
                assert!(relayed(s, relay, copy, 11).await);
                arrived.entry(relay.chat_id.0).or_default().push(relay.message_id);
            }
        }
        for chat in [1, 2, 3] {
            assert_eq!(arrived[&chat], [1, 2, 3], "{:?}: member {chat}'s messages in order", db.engine());
        }
        assert_eq!(s.inbox_waiting().await.unwrap(), 0);
        // The copies route replies back: each stands for its original.
        let case = case_of(s, 2).await;
        let routed = s.inbox_message(ChatId(INBOX), 1_005).await.unwrap().unwrap();
        assert_eq!((routed.case_no, routed.kind, routed.member_message_id), (case, InboxCopy::Member, Some(2)));
        assert_eq!(s.inbox_message(ChatId(INBOX), 999).await.unwrap(), None);
        // An admin deleted a copy: nothing routes through it any more.
        s.inbox_message_gone(ChatId(INBOX), 1_005, 12).await.unwrap();
        assert_eq!(s.inbox_message(ChatId(INBOX), 1_005).await.unwrap(), None);

        // Answers go their own way, in order, beside the member's messages.
        for (message, reply_to) in [(50, Some(1)), (51, None)] {
            let answer =
                NewAnswer { case_no: case, inbox_chat_id: ChatId(INBOX), message_id: message, reply_to, signer: None };
            assert!(s.inbox_answer(&answer, 20).await.unwrap());
        }
        s.inbox_receive(ChatId(2), 4, Some(900), 21).await.unwrap();
        let out = claim(s, RelayDirection::ToMember, 30).await;
        let into = claim(s, RelayDirection::ToInbox, 30).await;
        assert_eq!(out.iter().map(|r| (r.message_id, r.reply_to)).collect::<Vec<_>>(), [(50, Some(1))]);
        assert_eq!(into.iter().map(|r| (r.message_id, r.reply_to)).collect::<Vec<_>>(), [(4, Some(900))]);
        let answered = Copied { inbox_chat_id: ChatId(INBOX), inbox_message_id: 50, member_message_id: 900 };
        assert!(s.inbox_relayed(&out[0], answered, 31).await.unwrap());
        // The member replied to that answer: their copy replies to the
        // organizer's message.
        assert_eq!(s.inbox_counterpart(case, ChatId(INBOX), 900).await.unwrap(), Some(50));
        let next = claim(s, RelayDirection::ToMember, 32).await;
        assert_eq!(next.iter().map(|r| r.message_id).collect::<Vec<_>>(), [51]);
    }
}

#[tokio::test]
async fn a_relay_waiting_to_be_retried_holds_back_the_rest_of_its_conversation() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        s.set_inbox(&inbox(true)).await.unwrap();
        for message in 1..=2 {
            s.inbox_receive(ChatId(7), message, None, 0).await.unwrap();
        }
        let first = claim(s, RelayDirection::ToInbox, 10).await;
        assert_eq!(first.len(), 1);
        assert!(s.inbox_retry(&first[0], 5_000, true).await.unwrap());
        assert!(
            claim(s, RelayDirection::ToInbox, 100).await.is_empty(),
            "{:?}: the second waits for the first",
            db.engine()
        );
        let again = claim(s, RelayDirection::ToInbox, 5_000).await;
        assert_eq!((again[0].message_id, again[0].attempts), (1, 1));
        // A relay that cannot go leaves the queue; the next may go.
        assert!(s.inbox_give_up(&again[0]).await.unwrap());
        let then = claim(s, RelayDirection::ToInbox, 5_001).await;
        assert_eq!(then.iter().map(|r| r.message_id).collect::<Vec<_>>(), [2]);
    }
}

#[tokio::test]
async fn a_lost_lease_settles_nothing_and_its_relay_comes_back() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        s.set_inbox(&inbox(false)).await.unwrap();
        s.inbox_receive(ChatId(7), 1, None, 0).await.unwrap();
        let dead = claim(s, RelayDirection::ToInbox, 10).await;
        // Whoever held it is gone: its lease runs out, and so does the
        // next instance's start release everything held.
        assert_eq!(s.inbox_expire_leases(10 + LEASE - 1).await.unwrap(), 0, "the lease still holds");
        assert_eq!(s.inbox_expire_leases(10 + LEASE + 1).await.unwrap(), 1);
        let alive = claim(s, RelayDirection::ToInbox, 20).await;
        assert_eq!(alive.len(), 1);
        assert_ne!(alive[0].lease_token, dead[0].lease_token);
        assert!(!relayed(s, &dead[0], 500, 30).await, "{:?}: a stale token settles nothing", db.engine());
        assert!(!s.inbox_retry(&dead[0], 0, true).await.unwrap());
        assert!(!s.inbox_give_up(&dead[0]).await.unwrap());
        assert!(relayed(s, &alive[0], 501, 31).await);
        assert_eq!(s.inbox_message(ChatId(INBOX), 500).await.unwrap(), None);
        assert!(s.inbox_message(ChatId(INBOX), 501).await.unwrap().is_some());

        s.inbox_receive(ChatId(7), 2, None, 40).await.unwrap();
        claim(s, RelayDirection::ToInbox, 41).await;
        assert_eq!(s.inbox_release_all().await.unwrap(), 1);
        assert_eq!(claim(s, RelayDirection::ToInbox, 42).await.len(), 1);
    }
}

#[tokio::test]
async fn two_workers_never_claim_the_same_relay_nor_two_of_one_conversation() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        s.set_inbox(&inbox(true)).await.unwrap();
        for chat in 1..=200 {
            for message in 1..=3 {
                s.inbox_receive(ChatId(chat), message, None, 0).await.unwrap();
            }
        }
        let mut seen: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut ids = HashSet::new();
        let mut copy = 0;
        loop {
            let (a, b) = tokio::join!(
                s.inbox_claim(RelayDirection::ToInbox, 50, 1, LEASE),
                s.inbox_claim(RelayDirection::ToInbox, 50, 1, LEASE)
            );
            let batch: Vec<ClaimedRelay> = a.unwrap().into_iter().chain(b.unwrap()).collect();
            if batch.is_empty() {
                break;
            }
            let cases: HashSet<i64> = batch.iter().map(|r| r.case_no).collect();
            assert_eq!(cases.len(), batch.len(), "{:?}: two relays of one conversation at once", db.engine());
            for relay in &batch {
                assert!(ids.insert(relay.id), "{:?}: relay {} claimed twice", db.engine(), relay.id);
                copy += 1;
                assert!(relayed(s, relay, copy, 2).await);
                seen.entry(relay.chat_id.0).or_default().push(relay.message_id);
            }
        }
        assert_eq!(ids.len(), 600, "{:?}", db.engine());
        assert!(seen.values().all(|messages| messages == &[1, 2, 3]), "{:?}: order per member", db.engine());
    }
}

#[tokio::test]
async fn a_member_who_leaves_leaves_no_trace_and_closed_conversations_expire() {
    const CHAT: i64 = 987_123_456;
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        s.set_inbox(&inbox(false)).await.unwrap();
        let (case, _) = queued(s.inbox_receive(ChatId(CHAT), 1, None, 0).await.unwrap());
        let relay = claim(s, RelayDirection::ToInbox, 1).await;
        s.inbox_header_sent(case, ChatId(INBOX), 39, 1).await.unwrap();
        // The label was deleted in the group: the next one replaces it.
        s.inbox_message_gone(ChatId(INBOX), 39, 1).await.unwrap();
        assert_eq!(s.inbox_case(case).await.unwrap().unwrap().header_id, None, "{:?}", db.engine());
        s.inbox_header_sent(case, ChatId(INBOX), 40, 1).await.unwrap();
        relayed(s, &relay[0], 41, 2).await;
        s.inbox_receive(ChatId(CHAT), 2, None, 3).await.unwrap();
        let answer =
            NewAnswer { case_no: case, inbox_chat_id: ChatId(INBOX), message_id: 42, reply_to: Some(1), signer: None };
        s.inbox_answer(&answer, 4).await.unwrap();
        let data = s.inbox_data(ChatId(CHAT)).await.unwrap().expect("a conversation");
        assert_eq!((data.case.case_no, data.messages, data.waiting), (case, 2, 2), "{:?}", db.engine());
        let mut held = db.columns_mentioning(&CHAT.to_string()).await;
        held.sort();
        assert_eq!(held, ["inbox_cases.chat_id", "inbox_relays.chat_id", "inbox_relays.from_chat_id"]);

        assert!(s.forget_inbox_chat(ChatId(CHAT)).await.unwrap());
        assert!(db.columns_mentioning(&CHAT.to_string()).await.is_empty(), "{:?}", db.engine());
        for table in ["inbox_cases", "inbox_messages", "inbox_relays"] {
            assert_eq!(s.row_count(table).await.unwrap(), 0, "{:?}: {table}", db.engine());
        }
        assert!(!s.forget_inbox_chat(ChatId(CHAT)).await.unwrap());

        // Retention: closed conversations go once their time is up, with
        // what routed their messages; open ones stay.
        let (closed, _) = queued(s.inbox_receive(ChatId(1), 1, None, 0).await.unwrap());
        let (open, _) = queued(s.inbox_receive(ChatId(2), 1, None, 0).await.unwrap());
        for relay in claim(s, RelayDirection::ToInbox, 1).await {
            relayed(s, &relay, 100 + relay.chat_id.0, 1).await;
        }
        s.inbox_close(closed, UserId(9), 1_000).await.unwrap();
        assert_eq!(s.purge_inbox(1_000).await.unwrap(), 0, "closed only just");
        assert_eq!(s.purge_inbox(1_001).await.unwrap(), 1);
        assert_eq!(s.inbox_case(closed).await.unwrap(), None);
        assert!(s.inbox_case(open).await.unwrap().is_some());
        assert_eq!(s.inbox_message(ChatId(INBOX), 101).await.unwrap(), None, "{:?}", db.engine());
        assert!(s.inbox_message(ChatId(INBOX), 102).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn statistics_count_conversations_and_time_the_first_answers_without_a_chat() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        s.set_inbox(&inbox(true)).await.unwrap();
        for (chat, opened, answered) in
            [(1, 0, Some(60_000)), (2, 0, Some(120_000)), (3, 0, Some(600_000)), (4, 0, None)]
        {
            let (case, _) = queued(s.inbox_receive(ChatId(chat), 1, None, opened).await.unwrap());
            if let Some(at) = answered {
                let answer = NewAnswer {
                    case_no: case,
                    inbox_chat_id: ChatId(INBOX),
                    message_id: chat,
                    reply_to: None,
                    signer: None,
                };
                s.inbox_answer(&answer, at).await.unwrap();
                // A second answer does not move the first.
                s.inbox_answer(&answer, at + 1_000_000).await.unwrap();
            }
        }
        let muted = case_of(s, 4).await;
        s.inbox_mute(muted, true, UserId(9), 1).await.unwrap();
        let closed = case_of(s, 3).await;
        s.inbox_close(closed, UserId(9), 1).await.unwrap();
        let stats = s.inbox_stats().await.unwrap();
        assert_eq!((stats.open, stats.muted, stats.answered), (3, 1, 3), "{:?}", db.engine());
        assert_eq!(stats.median_first_answer_ms, Some(120_000));
    }
}

/// The case number of `chat`'s conversation.
async fn case_of(s: &Storage, chat: i64) -> i64 {
    s.inbox_data(ChatId(chat)).await.unwrap().expect("a conversation").case.case_no
}

#[tokio::test]
async fn the_inbox_ends_in_its_own_group_only_and_drops_what_waited_for_it() {
    for db in TestDatabase::every_engine().await {
        let s = &db.storage;
        s.set_inbox(&inbox(true)).await.unwrap();
        s.inbox_receive(ChatId(1), 1, None, 0).await.unwrap();
        let case = case_of(s, 1).await;
        let answer =
            NewAnswer { case_no: case, inbox_chat_id: ChatId(INBOX), message_id: 5, reply_to: None, signer: None };
        s.inbox_answer(&answer, 1).await.unwrap();
        assert_eq!(s.end_inbox(ChatId(-5), UserId(1), 2).await.unwrap(), None, "{:?}: not the inbox", db.engine());
        assert_eq!(s.end_inbox(ChatId(INBOX), UserId(1), 2).await.unwrap(), Some(1));
        assert_eq!(s.inbox().await.unwrap(), None);
        // Answers written before still reach the member.
        assert_eq!(claim(s, RelayDirection::ToMember, 3).await.len(), 1);
        // A group that became a supergroup takes the inbox along.
        s.set_inbox(&inbox(false)).await.unwrap();
        assert!(s.move_inbox(ChatId(INBOX), ChatId(-100_999)).await.unwrap());
        assert_eq!(s.inbox().await.unwrap().map(|i| i.chat_id), Some(ChatId(-100_999)));
    }
}
