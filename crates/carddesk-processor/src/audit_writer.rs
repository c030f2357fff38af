//! Audit entries that stand alone (audited reads, refusals, voice prompt
//! fetches), appended together: every append to the chain takes its one
//! lock until the transaction commits, so entries written one transaction
//! each commit one at a time, each waiting for its own flush to disk. A
//! writer task takes what has queued up meanwhile (up to [`BATCH`]) and
//! appends it in one transaction: one lock, one flush. Each caller still
//! waits until its entry is committed, so a read is never answered before
//! it is recorded. Alone, an entry is its own batch and costs what it did.
//!
//! Should a batch fail, its entries are appended again one by one, so each
//! caller gets its own entry's outcome (a database that is away fails them
//! all, as it would have).

use std::sync::Arc;

use carddesk_store::{NewAuditEntry, Store};
use tokio::sync::{mpsc, oneshot};

use crate::{ProcessorError, Result};

/// The most entries appended in one transaction.
pub const BATCH: usize = 128;

struct Pending {
    entry: NewAuditEntry,
    done: oneshot::Sender<Result<()>>,
}

/// The queue to the writer task; the task ends when the last clone of
/// this (the processor's) is dropped.
#[derive(Debug, Clone)]
pub(crate) struct AuditWriter {
    queue: mpsc::Sender<Pending>,
}

impl AuditWriter {
    /// Starts the writer task on the current runtime.
    pub(crate) fn start(store: Arc<dyn Store>) -> Self {
        let (queue, incoming) = mpsc::channel(4 * BATCH);
        tokio::spawn(write(store, incoming));
        Self { queue }
    }

    /// Appends `entry` with whatever else is waiting; returns once it is
    /// committed.
    pub(crate) async fn append(&self, entry: NewAuditEntry) -> Result<()> {
        let (done, committed) = oneshot::channel();
        self.queue
            .send(Pending { entry, done })
            .await
            .map_err(|_| stopped())?;
        committed.await.map_err(|_| stopped())?
    }
}

fn stopped() -> ProcessorError {
    ProcessorError::Config("the audit writer has stopped".to_owned())
}

async fn write(store: Arc<dyn Store>, mut incoming: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(BATCH);
    while incoming.recv_many(&mut batch, BATCH).await > 0 {
        if append_all(store.as_ref(), &batch).await.is_ok() {
            for pending in batch.drain(..) {
                let _ = pending.done.send(Ok(()));
            }
        } else {
            for pending in batch.drain(..) {
                let alone = append_all(store.as_ref(), std::slice::from_ref(&pending)).await;
                let _ = pending.done.send(alone);
            }
        }
    }
}

async fn append_all(store: &dyn Store, batch: &[Pending]) -> Result<()> {
    let mut tx = store.begin().await?;
    for pending in batch {
        tx.append_audit(&pending.entry).await?;
    }
    tx.commit().await?;
    Ok(())
}
