//! Argon2id budgets. A check costs tens of milliseconds of CPU and 19 MiB,
//! so checks run off the async workers, no more at once than the budget
//! allows, and the two kinds of caller have budgets of their own: staff
//! sign-ins get one thread, customers' verifications as many as there are
//! cores. A flood of sign-ins then queues behind its own thread and never
//! ahead of a customer's upload. Sign-ins waiting beyond [`STAFF_QUEUE`]
//! are refused at once as [`ProcessorError::Busy`]: nobody legitimate
//! queues that many, and a refusal costs no hashing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use crate::{ProcessorError, Result};

/// Staff sign-ins that may wait for the staff budget before more are
/// refused.
pub const STAFF_QUEUE: usize = 64;

/// Who a check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    /// A member of staff signing in (or a password being set).
    Staff,
    /// A customer's uploaded credentials.
    Customer,
}

/// The budgets, shared by every clone of the processor.
#[derive(Debug, Clone)]
pub(crate) struct Hashing {
    staff: Arc<Semaphore>,
    customers: Arc<Semaphore>,
    /// Staff checks holding or waiting for a permit.
    staff_in_line: Arc<AtomicUsize>,
    /// Customer checks holding or waiting for a permit.
    customers_in_line: Arc<AtomicUsize>,
}

impl Hashing {
    /// One thread for staff, one per core for customers.
    pub(crate) fn new() -> Self {
        let cores = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1);
        Self {
            staff: Arc::new(Semaphore::new(1)),
            customers: Arc::new(Semaphore::new(cores)),
            staff_in_line: Arc::new(AtomicUsize::new(0)),
            customers_in_line: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Runs `check` on a blocking thread within `budget`.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        budget: Budget,
        check: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let _in_line = match budget {
            Budget::Staff => self.join_staff_line()?,
            Budget::Customer => {
                self.customers_in_line.fetch_add(1, Ordering::SeqCst);
                InLine(self.customers_in_line.clone())
            }
        };
        let semaphore = match budget {
            Budget::Staff => &self.staff,
            Budget::Customer => &self.customers,
        };
        let _permit = semaphore
            .acquire()
            .await
            .map_err(|_| ProcessorError::Config("credential checks are shut down".to_owned()))?;
        tokio::task::spawn_blocking(check)
            .await
            .map_err(|_| ProcessorError::Config("credential check task failed".to_owned()))
    }

    /// Checks in line (running or waiting), staff's and customers': the
    /// hashing queue's depth.
    pub(crate) fn in_line(&self) -> (usize, usize) {
        (
            self.staff_in_line.load(Ordering::SeqCst),
            self.customers_in_line.load(Ordering::SeqCst),
        )
    }

    /// A place in the staff line, or `Busy` when it is full. The count is
    /// taken and checked in one atomic step, so racing sign-ins cannot all
    /// see room for one more.
    fn join_staff_line(&self) -> Result<InLine> {
        let before = self.staff_in_line.fetch_add(1, Ordering::SeqCst);
        let place = InLine(self.staff_in_line.clone());
        // One checking and `STAFF_QUEUE` waiting fill the line.
        if before > STAFF_QUEUE {
            return Err(ProcessorError::Busy);
        }
        Ok(place)
    }
}

/// A place in the staff line, given up when dropped.
struct InLine(Arc<AtomicUsize>);

impl Drop for InLine {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_staff_line_is_refused_and_customers_still_run() {
        let hashing = Hashing::new();
        let (release, wait) = tokio::sync::watch::channel(false);
        let mut line = Vec::new();
        // One running and STAFF_QUEUE waiting fill the line.
        for _ in 0..=STAFF_QUEUE {
            let h = hashing.clone();
            let mut wait = wait.clone();
            line.push(tokio::spawn(async move {
                h.run(Budget::Staff, move || {
                    futures::executor::block_on(wait.wait_for(|go| *go))
                        .map(|_| ())
                        .ok();
                })
                .await
            }));
        }
        while hashing.staff_in_line.load(Ordering::SeqCst) < STAFF_QUEUE + 1 {
            tokio::task::yield_now().await;
        }
        let refused = hashing.run(Budget::Staff, || ()).await;
        assert!(matches!(refused, Err(ProcessorError::Busy)), "{refused:?}");
        // Customers have their own budget.
        assert_eq!(hashing.run(Budget::Customer, || 7).await.expect("runs"), 7);
        release.send_replace(true);
        for waiting in line {
            waiting.await.expect("task").expect("ran");
        }
        assert_eq!(hashing.staff_in_line.load(Ordering::SeqCst), 0);
        hashing.run(Budget::Staff, || ()).await.expect("room again");
    }
}
