//! A cheap-to-poll wrapper around the shutdown signal each connection waits on.
//!
//! A connection task selects between its hyper connection and the `stopping` signal, so the
//! signal's future is polled on every wake-up of the connection (several per request). Polling
//! `tokio::sync::watch::Receiver::changed` costs a budget check and a lock of the notifier's
//! waiter list each time. [`Signal`] polls the inner future only on its first poll and after
//! the inner future woke its own waker; otherwise a poll is one atomic swap and one
//! uncontended lock that keeps the task's waker current.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// Wakes the task waiting on a [`Signal`] and notes that the inner future is worth polling.
#[derive(Default)]
struct Flag {
    woken: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(w) = task {
            w.wake();
        }
    }
}

/// `inner`, polled only when it can have made progress.
pub(crate) struct Signal<F> {
    inner: Pin<Box<F>>,
    flag: Arc<Flag>,
    waker: Option<Waker>,
}

impl<F: Future> Signal<F> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: F) -> Self {
        Self {
            inner: Box::pin(inner),
            flag: Arc::new(Flag::default()),
            waker: None,
        }
    }
}

impl<F: Future> Future for Signal<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        {
            let mut task = this
                .flag
                .task
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if !task.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *task = Some(cx.waker().clone());
            }
        }
        let waker = match &this.waker {
            // Polled before and not woken since: nothing can have changed.
            Some(_) if !this.flag.woken.swap(false, Ordering::AcqRel) => return Poll::Pending,
            Some(w) => w.clone(),
            None => {
                let w = Waker::from(this.flag.clone());
                this.waker = Some(w.clone());
                w
            }
        };
        this.inner.as_mut().poll(&mut Context::from_waker(&waker))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn resolves_when_the_signal_fires_and_not_before() {
        let (tx, mut rx) = tokio::sync::watch::channel(false);
        let mut signal = Signal::new(async move { rx.changed().await.is_ok() });
        // Polled repeatedly without a change: stays pending.
        for _ in 0..3 {
            assert!(
                tokio::time::timeout(Duration::from_millis(20), &mut signal)
                    .await
                    .is_err()
            );
        }
        let waiter = tokio::spawn(signal);
        tokio::time::sleep(Duration::from_millis(20)).await;
        tx.send(true).unwrap();
        let fired = tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .unwrap()
            .unwrap();
        assert!(fired);
    }

    #[tokio::test]
    async fn a_signal_sent_before_the_first_poll_is_seen() {
        let (tx, mut rx) = tokio::sync::watch::channel(false);
        let signal = Signal::new(async move { rx.changed().await.is_ok() });
        tx.send(true).unwrap();
        let fired = tokio::time::timeout(Duration::from_secs(10), signal)
            .await
            .unwrap();
        assert!(fired);
    }
}
