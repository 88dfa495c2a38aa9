//! The bounded proving pool: `workers` proofs at once, at most `queue` waiting.

use std::{
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Sizes of the pool and the cache.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    /// Proofs computed at once (each also uses the other cores in its MSMs).
    pub workers: usize,
    /// Requests that may wait for a worker; more get 503.
    pub queue: usize,
    /// Most proofs kept in the cache.
    pub cache_entries: u64,
    /// How long a cached proof is served.
    pub cache_ttl: Duration,
}

impl Default for PoolOptions {
    /// One worker per core, 32 waiting, 10,000 cached proofs for 5 minutes.
    fn default() -> Self {
        PoolOptions {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            queue: 32,
            cache_entries: 10_000,
            cache_ttl: Duration::from_secs(300),
        }
    }
}

pub(crate) struct Pool {
    workers: Arc<Semaphore>,
    worker_count: usize,
    capacity: usize,
    /// Requests holding a ticket: waiting or proving.
    admitted: AtomicUsize,
    running: AtomicUsize,
    /// Moving average of the proof time, microseconds (for Retry-After).
    average_micros: AtomicU64,
}

/// A place in the pool, waiting and then proving; released when dropped (also
/// when the request is abandoned: a proof that started still finishes and is
/// cached).
pub(crate) struct Place {
    inner: Arc<crate::Inner>,
    worker: Option<OwnedSemaphorePermit>,
}

impl Pool {
    pub(crate) fn new(o: &PoolOptions) -> Self {
        let workers = o.workers.max(1);
        metrics::gauge!("proof_workers").set(workers as f64);
        metrics::gauge!("proof_queue_capacity").set(o.queue as f64);
        let pool = Pool {
            workers: Arc::new(Semaphore::new(workers)),
            worker_count: workers,
            capacity: workers + o.queue,
            admitted: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            average_micros: AtomicU64::new(100_000),
        };
        pool.publish();
        pool
    }

    /// A place, or `None` when `workers + queue` requests are already in.
    pub(crate) fn try_admit(inner: &Arc<crate::Inner>) -> Option<Place> {
        let pool = &inner.pool;
        let mut n = pool.admitted.load(Ordering::SeqCst);
        loop {
            if n >= pool.capacity {
                return None;
            }
            match pool
                .admitted
                .compare_exchange(n, n + 1, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => {
                    pool.publish();
                    return Some(Place {
                        inner: inner.clone(),
                        worker: None,
                    });
                }
                Err(actual) => n = actual,
            }
        }
    }

    pub(crate) fn admitted(&self) -> usize {
        self.admitted.load(Ordering::SeqCst)
    }

    /// Seconds until a place is likely free: the queue ahead, divided among the
    /// workers, times the recent proof time.
    pub(crate) fn retry_after_seconds(&self) -> u64 {
        let waiting = self.admitted.load(Ordering::SeqCst) as u64;
        let micros = self.average_micros.load(Ordering::Relaxed);
        (waiting * micros / self.worker_count as u64)
            .div_ceil(1_000_000)
            .max(1)
    }

    pub(crate) fn record_proof_time(&self, d: Duration) {
        let sample = d.as_micros().min(u64::MAX as u128) as u64;
        let old = self.average_micros.load(Ordering::Relaxed);
        self.average_micros
            .store((old * 7 + sample) / 8, Ordering::Relaxed);
    }

    fn publish(&self) {
        let admitted = self.admitted.load(Ordering::SeqCst);
        let running = self.running.load(Ordering::SeqCst);
        metrics::gauge!("proofs_in_flight").set(running as f64);
        metrics::gauge!("proof_queue_depth").set(admitted.saturating_sub(running) as f64);
    }
}

impl Place {
    /// Waits for a worker.
    pub(crate) async fn work(&mut self) {
        let pool = &self.inner.pool;
        let permit = pool
            .workers
            .clone()
            .acquire_owned()
            .await
            .expect("the worker semaphore is never closed");
        self.worker = Some(permit);
        pool.running.fetch_add(1, Ordering::SeqCst);
        pool.publish();
    }

    /// The state this place belongs to.
    pub(crate) fn inner(&self) -> &Arc<crate::Inner> {
        &self.inner
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let pool = &self.inner.pool;
        if self.worker.take().is_some() {
            pool.running.fetch_sub(1, Ordering::SeqCst);
        }
        pool.admitted.fetch_sub(1, Ordering::SeqCst);
        pool.publish();
    }
}
