//! The audit log: appends, links, pages, refusals and every kind of
//! tampering.

use super::*;

pub(crate) async fn audit_chain_appends_and_links(store: &dyn Store) {
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 0 }
    );
    let entries: Vec<NewAuditEntry> = (1..=7)
        .map(|n| {
            audit_entry(
                n,
                if n.is_multiple_of(2) {
                    "case:2"
                } else {
                    "case:1"
                },
            )
        })
        .collect();
    assert_eq!(append(store, &entries[..3]).await, vec![1, 2, 3]);
    assert_eq!(append(store, &entries[3..4]).await, vec![4]);
    assert_eq!(append(store, &entries[4..]).await, vec![5, 6, 7]);

    let records = all_audit(store).await;
    assert_eq!(records.len(), 7);
    let key = test_key();
    let mut prev = GENESIS.to_vec();
    for (i, (record, entry)) in records.iter().zip(&entries).enumerate() {
        assert_eq!(record.seq, i64::try_from(i).expect("small") + 1);
        assert_eq!(&record.entry, entry);
        assert_eq!(record.prev_hash, prev);
        assert_eq!(record.hash, key.link(record.seq, &prev, entry));
        prev = record.hash.clone();
    }
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 7 }
    );

    // By object, after a sequence number, a page at a time.
    let case1: Vec<i64> = store
        .audit_entries(Some("case:1"), 0, 100)
        .await
        .expect("entries")
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(case1, vec![1, 3, 5, 7]);
    let page: Vec<i64> = store
        .audit_entries(Some("case:2"), 2, 2)
        .await
        .expect("entries")
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(page, vec![4, 6]);
    assert_eq!(
        store.audit_entries(None, 5, 100).await.expect("entries"),
        records[5..]
    );
    assert_eq!(
        store.audit_entries(None, 1, 2).await.expect("entries"),
        records[1..3]
    );
    assert_eq!(
        store
            .audit_entries(Some("card:9"), 0, 100)
            .await
            .expect("entries"),
        Vec::new()
    );
}

/// The chain is verified a page at a time (5,000 entries a page): the link
/// between pages counts, and a break past the first page is found.
pub(crate) async fn audit_chain_verified_across_pages(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=5_003).map(|n| audit_entry(n, "bulk")).collect();
    let seqs = append(store, &entries).await;
    assert_eq!(seqs.last(), Some(&5_003));
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 5_003 }
    );

    backend.drop_audit_triggers().await;
    backend
        .exec("UPDATE audit_log SET actor = 'system' WHERE seq = 5002")
        .await
        .expect("tamper");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 5_002 }
    );
}

pub(crate) async fn audit_log_refuses_update_and_delete(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=3).map(|n| audit_entry(n, "case:1")).collect();
    append(store, &entries).await;
    let before = all_audit(store).await;

    for sql in [
        "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 2",
        "UPDATE audit_log SET hash = prev_hash",
        "DELETE FROM audit_log WHERE seq = 3",
        "DELETE FROM audit_log",
    ] {
        let err = backend.exec(sql).await.expect_err(sql);
        assert!(
            err.to_string().contains("append-only"),
            "{sql}: unexpected error {err}"
        );
    }
    // Rewriting an entry by inserting over it is refused too: an upsert on
    // both, REPLACE on SQLite (which deletes without firing delete
    // triggers), TRUNCATE on PostgreSQL.
    let values = "VALUES (2, 0, 'system', 'case.unfrozen', 'case:1', 'console', 'success', \
                  'rewritten', X'00', X'01')";
    let columns = "INSERT INTO audit_log (seq, at, actor, action, object, origin, outcome, \
                   detail, prev_hash, hash)";
    let mut rewrites = vec![format!(
        "{columns} {values} ON CONFLICT (seq) DO UPDATE SET detail = 'rewritten'"
    )];
    match backend.raw {
        RawPool::Sqlite(_) => {
            rewrites.push(format!("REPLACE INTO audit_log {values}"));
            rewrites.push(format!("INSERT OR REPLACE INTO audit_log {values}"));
        }
        RawPool::Postgres(_) => rewrites.push("TRUNCATE audit_log".to_owned()),
    }
    for sql in rewrites {
        let sql = match backend.raw {
            // PostgreSQL spells a blob literal differently.
            RawPool::Postgres(_) => sql.replace("X'00', X'01'", "'\\x00', '\\x01'"),
            RawPool::Sqlite(_) => sql,
        };
        let err = backend.exec(&sql).await.expect_err(&sql);
        assert!(
            err.to_string().contains("append-only"),
            "{sql}: unexpected error {err}"
        );
    }

    assert_eq!(all_audit(store).await, before);
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 3 }
    );
    // Appending still works.
    assert_eq!(append(store, &[audit_entry(4, "case:1")]).await, vec![4]);
}

pub(crate) async fn audit_tampered_detail_is_detected(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=5).map(|n| audit_entry(n, "case:1")).collect();
    append(store, &entries).await;
    backend.drop_audit_triggers().await;

    let changed = backend
        .exec("UPDATE audit_log SET detail = 'nothing to see here' WHERE seq = 3")
        .await
        .expect("tamper");
    assert_eq!(changed, 1);
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 3 }
    );

    // Putting it back makes the chain whole again…
    backend
        .exec(&format!(
            "UPDATE audit_log SET detail = '{}' WHERE seq = 3",
            entries[2].detail
        ))
        .await
        .expect("restore");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 5 }
    );
    // …and moving an entry's time by a microsecond is caught as well.
    backend
        .exec("UPDATE audit_log SET at = at + 1 WHERE seq = 2")
        .await
        .expect("tamper");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 2 }
    );
}

pub(crate) async fn audit_deleted_entry_is_detected(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=5).map(|n| audit_entry(n, "case:1")).collect();
    append(store, &entries).await;
    backend.drop_audit_triggers().await;

    let removed = backend
        .exec("DELETE FROM audit_log WHERE seq = 3")
        .await
        .expect("delete");
    assert_eq!(removed, 1);
    // The entry after the gap is the first that no longer links.
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 4 }
    );

    // Renumbering to close the gap does not help: the hashes bind seq.
    backend
        .exec("UPDATE audit_log SET seq = seq - 1 WHERE seq > 3")
        .await
        .expect("renumber");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 3 }
    );

    // Removing the first entry is reported at the new first one.
    backend
        .exec("DELETE FROM audit_log WHERE seq = 1")
        .await
        .expect("delete");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 2 }
    );
}

pub(crate) async fn audit_forged_entry_is_detected(backend: &Backend) {
    let store = backend.store.as_ref();
    let entries: Vec<NewAuditEntry> = (1..=3).map(|n| audit_entry(n, "case:1")).collect();
    append(store, &entries).await;

    // Someone without the key appends an entry that links to the head but
    // cannot compute its hash (triggers do not stop inserts).
    let head = all_audit(store).await.pop().expect("head");
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let blob = |b: &[u8]| match backend.raw {
        RawPool::Sqlite(_) => format!("X'{}'", hex(b)),
        RawPool::Postgres(_) => format!("'\\x{}'::bytea", hex(b)),
    };
    backend
        .exec(&format!(
            "INSERT INTO audit_log (seq, at, actor, action, object, origin, outcome, detail, \
             prev_hash, hash) VALUES (4, 0, 'admin:mallory', 'case.unfrozen', 'case:1', \
             'console', 'success', 'forged', {}, {})",
            blob(&head.hash),
            blob(&[0xab; 32]),
        ))
        .await
        .expect("forge");
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 4 }
    );
}

pub(crate) async fn audit_other_key_breaks_at_first_entry(backend: &Backend) {
    let entries: Vec<NewAuditEntry> = (1..=4).map(|n| audit_entry(n, "case:1")).collect();
    append(backend.store.as_ref(), &entries).await;

    let mut other = KEY;
    other[0] ^= 1;
    let impostor = backend.with_key(AuditKey::new(other)).await;
    assert_eq!(
        impostor.verify_audit_chain().await.expect("verify"),
        ChainReport::Broken { seq: 1 }
    );
    // The right key still verifies the same rows.
    let rightful = backend.with_key(test_key()).await;
    assert_eq!(
        rightful.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact { entries: 4 }
    );
}

/// Many writers at once, each appending in its own transaction: the chain
/// must come out gap-free and intact (PostgreSQL serialises appends with an
/// advisory lock, SQLite with `BEGIN IMMEDIATE`). The SQLite pool from
/// `#[sqlx::test]` is a file with many connections, so writers really do
/// contend; the WAL-mode store `SqliteStore::open` makes is covered by
/// `sqlite_open_file_concurrent_appends` below.
pub(crate) async fn audit_concurrent_appends_stay_gap_free(backend: &Backend) {
    concurrent_appends(backend.store.clone()).await;
}

pub(crate) async fn concurrent_appends(store: Arc<dyn Store>) {
    const TASKS: u32 = 20;
    const PER_TASK: u32 = 5;
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await?;
            for i in 0..PER_TASK {
                let entry = audit_entry(t * PER_TASK + i, &format!("task:{t}"));
                tx.append_audit(&entry).await?;
                tokio::task::yield_now().await;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(())
        }));
    }
    for task in tasks {
        task.await.expect("task ran").expect("appends");
    }
    let mut all = Vec::new();
    for t in 0..TASKS {
        let object = format!("task:{t}");
        let seqs: Vec<i64> = store
            .audit_entries(Some(&object), 0, 100)
            .await
            .expect("entries")
            .iter()
            .map(|r| r.seq)
            .collect();
        // One transaction's entries are consecutive: nobody got in between.
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
        all.extend(seqs);
    }
    all.sort_unstable();
    let n = i64::from(TASKS * PER_TASK);
    assert_eq!(all, (1..=n).collect::<Vec<_>>());
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        ChainReport::Intact {
            entries: u64::from(TASKS * PER_TASK)
        }
    );
    for t in 0..TASKS {
        let object = format!("task:{t}");
        let mine = store
            .audit_entries(Some(&object), 0, 100)
            .await
            .expect("entries");
        assert_eq!(mine.len(), PER_TASK as usize);
    }
}
