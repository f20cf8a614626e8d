//! A bounded task pool: one task per item, at most `limit` in flight, each
//! result handed back as it completes. The listing's HEADs and the push's
//! uploads run through it.

use std::future::Future;
use std::ops::ControlFlow;

use tokio::task::JoinSet;

/// What to do for one item: spawn a task, or (without taking a slot) take
/// its result as it is.
pub enum Job<F, T> {
    Run(F),
    Ready(T),
}

/// Start a [`Job`] for each of `items` in order, with at most `limit` tasks
/// running at once, and pass every result to `finished` in the order they
/// complete.
///
/// Before each start `may_start` is asked: once it says no, nothing more
/// starts and the tasks already running are waited for. `finished`
/// returning `Break` stops at once (tasks still running are dropped, which
/// aborts them). Returns the items never started. A panic in a task is
/// resumed here.
pub async fn run_bounded<I, F, T>(
    items: I,
    limit: usize,
    may_start: impl Fn() -> bool,
    mut start: impl FnMut(I::Item) -> Job<F, T>,
    mut finished: impl FnMut(T) -> ControlFlow<()>,
) -> I::IntoIter
where
    I: IntoIterator,
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut items = items.into_iter();
    let mut running = JoinSet::new();
    loop {
        while running.len() < limit && may_start() {
            let Some(item) = items.next() else { break };
            match start(item) {
                Job::Run(task) => {
                    running.spawn(task);
                }
                Job::Ready(result) => {
                    if finished(result).is_break() {
                        return items;
                    }
                }
            }
        }
        let Some(joined) = running.join_next().await else {
            return items;
        };
        let result = match joined {
            Ok(result) => result,
            // Nothing here aborts a task it still waits for: only a panic
            // ends one early.
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("a pooled task ended without a result: {e}"),
            },
        };
        if finished(result).is_break() {
            return items;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn never_more_than_the_limit_in_flight() {
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut seen = Vec::new();
        let rest = run_bounded(
            0..20,
            3,
            || true,
            |i| {
                let (now, most) = (now.clone(), most.clone());
                Job::Run(async move {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    now.fetch_sub(1, Ordering::SeqCst);
                    i
                })
            },
            |i| {
                seen.push(i);
                ControlFlow::Continue(())
            },
        )
        .await;
        assert_eq!(rest.count(), 0);
        seen.sort_unstable();
        assert_eq!(seen, (0..20).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3);
    }

    #[tokio::test]
    async fn ready_results_take_no_slot_and_a_stop_returns_the_rest() {
        let mut seen = Vec::new();
        let stop = std::cell::Cell::new(false);
        let rest = run_bounded(
            0..10,
            1,
            || !stop.get(),
            |i| {
                if i % 2 == 0 {
                    Job::Ready(i)
                } else {
                    Job::Run(async move { i })
                }
            },
            |i| {
                seen.push(i);
                stop.set(i == 3);
                ControlFlow::Continue(())
            },
        )
        .await;
        assert_eq!(seen, [0, 1, 2, 3]);
        assert_eq!(rest.collect::<Vec<_>>(), (4..10).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn break_returns_at_once() {
        let rest = run_bounded(
            0..10,
            2,
            || true,
            |i| Job::Run(async move { i }),
            |_| ControlFlow::Break(()),
        )
        .await;
        assert_eq!(rest.count(), 8);
    }
}
