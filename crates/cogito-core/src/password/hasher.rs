//! argon2id hashing with bounded memory and a bounded queue (security bar SEC-33, SEC-56).
//!
//! A fixed set of worker threads (one per core by default) each owns one argon2 memory area of
//! the configured size, allocated once and reused for every hash, so the memory that hashing
//! needs is `workers × m` however many sign-ins arrive (letting each hash allocate its own
//! blocks on a growing blocking pool left the allocator holding hundreds of MiB under load).
//! Work waits in a bounded queue; when it is full, or when the work already queued would keep a
//! new hash waiting longer than [`MAX_QUEUE_WAIT`] (the average time of the last hashes times
//! the hashes ahead, per worker), the request is refused at once with
//! `TooManyRequestsException` instead of waiting behind a backlog (security bar REL-04: under
//! overload the excess is refused quickly and accepted sign-ins stay inside their bound).
//!
//! Hashes are PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`); a stored hash made with other
//! settings still verifies (a smaller memory uses part of the worker's area, a larger one a
//! one-off allocation) and is re-hashed at the next sign-in ([`PasswordHasher::needs_rehash`]),
//! as is a hash of another system that users were imported with ([`super::foreign`]).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use tokio::sync::oneshot;

use crate::crypto::{fill_random, secrets_equal};
use crate::error::{CoreError, CoreResult};

/// argon2id cost settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl HashCost {
    /// OWASP's recommended argon2id setting (19 MiB, 2 iterations, 1 lane).
    pub const OWASP: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };
    /// A cheap setting for development and test suites only.
    pub const INSECURE_DEV: Self = Self {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
}

/// Hashes waiting per worker before new ones are refused.
const QUEUE_PER_WORKER: usize = 64;

/// The longest a new hash is expected to wait for a worker before it is refused instead.
pub const MAX_QUEUE_WAIT: Duration = Duration::from_millis(500);

/// How much work is queued and how long a hash takes lately.
#[derive(Debug, Default)]
struct Backlog {
    /// Jobs submitted and not yet finished (queued or running).
    pending: AtomicUsize,
    /// Moving average of a job's duration, in microseconds (0 until one has run).
    average_us: AtomicU64,
}

impl Backlog {
    /// Whether a new job would wait longer than [`MAX_QUEUE_WAIT`] behind the pending ones.
    fn too_long(&self, workers: usize) -> bool {
        let ahead = self.pending.load(Ordering::Relaxed) as u64;
        let each = self.average_us.load(Ordering::Relaxed);
        let workers = workers.max(1) as u64;
        ahead >= workers && ahead * each / workers > MAX_QUEUE_WAIT.as_micros() as u64
    }

    /// A job finished after `took` (`None`: skipped without work).
    fn finished(&self, took: Option<Duration>) {
        self.pending.fetch_sub(1, Ordering::Relaxed);
        if let Some(took) = took {
            let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
            // An exponential average over about the last eight jobs; lost updates between
            // workers only blur it.
            let old = self.average_us.load(Ordering::Relaxed);
            let new = if old == 0 { us } else { (old * 7 + us) / 8 };
            self.average_us.store(new, Ordering::Relaxed);
        }
    }
}

/// Bytes of a salt and of a hash.
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;

/// One unit of work and where its answer goes.
enum Job {
    Hash(String, oneshot::Sender<CoreResult<String>>),
    Verify(String, String, oneshot::Sender<CoreResult<bool>>),
}

/// Hashes and verifies passwords on a fixed set of workers with reusable memory.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    queue: SyncSender<Job>,
    workers: usize,
    backlog: Arc<Backlog>,
    decoy: Arc<std::sync::OnceLock<String>>,
}

/// A place in the hashing queue ([`PasswordHasher::ticket`]); given back when dropped unused.
#[derive(Debug)]
pub struct HashTicket {
    queue: SyncSender<Job>,
    backlog: Arc<Backlog>,
    sent: bool,
}

impl HashTicket {
    /// PHC string of the password.
    pub async fn hash(self, password: &str) -> CoreResult<String> {
        let password = password.to_owned();
        self.submit(|tx| Job::Hash(password, tx)).await
    }

    /// Whether the password matches the PHC string (compared in constant time).
    pub async fn verify(self, password: &str, phc: &str) -> CoreResult<bool> {
        let (password, phc) = (password.to_owned(), phc.to_owned());
        self.submit(|tx| Job::Verify(password, phc, tx)).await
    }

    async fn submit<T>(
        mut self,
        job: impl FnOnce(oneshot::Sender<CoreResult<T>>) -> Job,
    ) -> CoreResult<T> {
        let (tx, rx) = oneshot::channel();
        self.send(job(tx))?;
        rx.await
            .map_err(|_| CoreError::Internal("password worker lost a job".into()))?
    }

    /// Queues the job; it stays counted as pending until a worker finishes or skips it.
    fn send(&mut self, job: Job) -> CoreResult<()> {
        self.sent = true;
        self.queue.try_send(job).map_err(|e| {
            self.backlog.finished(None);
            match e {
                TrySendError::Full(_) => CoreError::TooManyRequests("Too many requests".into()),
                TrySendError::Disconnected(_) => {
                    CoreError::Internal("password workers stopped".into())
                }
            }
        })
    }
}

impl Drop for HashTicket {
    fn drop(&mut self) {
        if !self.sent {
            self.backlog.finished(None);
        }
    }
}

impl PasswordHasher {
    /// A hasher with the given cost and `workers` threads (each holding `m` KiB), queueing at
    /// most 64 hashes per worker and no more than [`MAX_QUEUE_WAIT`] of work.
    pub fn new(cost: HashCost, workers: usize) -> CoreResult<Self> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| CoreError::Internal(format!("argon2 parameters: {e}")))?;
        let workers = workers.max(1);
        let (queue, jobs) = sync_channel(QUEUE_PER_WORKER * workers);
        let jobs = Arc::new(Mutex::new(jobs));
        let backlog = Arc::new(Backlog::default());
        for i in 0..workers {
            let (jobs, params, backlog) = (jobs.clone(), params.clone(), backlog.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&jobs, &params, &backlog))
                .map_err(|e| CoreError::Internal(format!("argon2 worker: {e}")))?;
        }
        Ok(Self {
            params,
            queue,
            workers,
            backlog,
            decoy: Arc::default(),
        })
    }

    /// A place in the queue for one hash, or `TooManyRequestsException` at once when the queue
    /// is full or its work would keep the new hash waiting longer than [`MAX_QUEUE_WAIT`].
    /// Taken before the work it is for is counted anywhere else: a sign-in refused here has
    /// not used one of the user's password attempts.
    pub fn ticket(&self) -> CoreResult<HashTicket> {
        let busy = || CoreError::TooManyRequests("Too many requests".into());
        if self.backlog.too_long(self.workers) {
            return Err(busy());
        }
        let ahead = self.backlog.pending.fetch_add(1, Ordering::Relaxed);
        if ahead >= QUEUE_PER_WORKER * self.workers {
            self.backlog.finished(None);
            return Err(busy());
        }
        Ok(HashTicket {
            queue: self.queue.clone(),
            backlog: self.backlog.clone(),
            sent: false,
        })
    }

    /// PHC string of the password.
    pub async fn hash(&self, password: &str) -> CoreResult<String> {
        self.ticket()?.hash(password).await
    }

    /// Whether the password matches the PHC string (compared in constant time).
    pub async fn verify(&self, password: &str, phc: &str) -> CoreResult<bool> {
        self.ticket()?.verify(password, phc).await
    }

    /// Spends the time of one verification, in the place `ticket` holds, on a password nobody
    /// has (unknown users), so that response times do not reveal whether a user exists. The
    /// caller takes the ticket where it would for a real user, so that a full queue refuses an
    /// unknown name exactly as it refuses a known one.
    pub async fn burn(&self, ticket: HashTicket, password: &str) -> CoreResult<()> {
        let decoy = match self.decoy.get() {
            Some(d) => d.clone(),
            None => {
                let d = self.hash("cogito decoy password").await?;
                self.decoy.get_or_init(|| d).clone()
            }
        };
        ticket.verify(password, &decoy).await.map(drop)
    }

    /// Whether a stored PHC string was made with other settings than this hasher's (another
    /// algorithm, memory, iterations or lanes): it is then re-hashed at the next successful
    /// sign-in (security bar SEC-33).
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let current = format!(
            "m={},t={},p={}",
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost()
        );
        let parts: Vec<&str> = phc.split('$').collect();
        !matches!(parts.as_slice(), ["", "argon2id", "v=19", params, _, _] if *params == current)
    }
}

/// How much lower the workers' scheduling priority is than the request threads' (niceness
/// steps on Linux): when the machine is short of CPU, a flood of sign-ins slows sign-ins (and
/// the queue bound refuses the excess) instead of every other request.
const NICER_BY: i32 = 5;

/// The calling thread's niceness (Linux), from `/proc/thread-self/stat`.
fn niceness() -> Option<i32> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Field 19; the fields after the command name (which may hold spaces) start at field 3.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(19 - 3)?
        .parse()
        .ok()
}

/// Lowers the calling thread's priority by [`NICER_BY`] niceness steps, relative to the
/// process's own (which may already be lowered); a failure is logged and changes nothing else.
fn lower_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue};
    let Some(now) = niceness() else {
        return;
    };
    let target = (now + NICER_BY).min(19);
    // thread-priority maps 0..=99 linearly onto niceness 19..=-20: find the value for `target`.
    let value = (0..=99u8).find(|p| (39.0 * (1.0 - f32::from(*p) / 99.0)) as i32 - 20 == target);
    let set = value
        .and_then(|p| ThreadPriorityValue::try_from(p).ok())
        .map(|p| thread_priority::set_current_thread_priority(ThreadPriority::Crossplatform(p)));
    if niceness() != Some(target) {
        tracing::warn!(
            ?set,
            target,
            "could not lower the priority of a password worker"
        );
    }
}

/// A worker: takes jobs until the hasher is dropped, always with the same memory area.
fn work(jobs: &Mutex<Receiver<Job>>, params: &Params, backlog: &Backlog) {
    lower_priority();
    let mut memory = vec![Block::new(); params.block_count()];
    loop {
        // The lock is held only while waiting for the next job.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        // A job whose caller has gone (request cancelled) is skipped.
        let started = Instant::now();
        match job {
            Ok(Job::Hash(password, tx)) if !tx.is_closed() => {
                let hashed = hash_with(params, &password, &mut memory);
                backlog.finished(Some(started.elapsed()));
                let _ = tx.send(hashed);
            }
            Ok(Job::Verify(password, phc, tx)) if !tx.is_closed() => {
                let verified = verify_with(&password, &phc, &mut memory);
                backlog.finished(Some(started.elapsed()));
                let _ = tx.send(verified);
            }
            Ok(_) => backlog.finished(None),
            Err(_) => return,
        }
    }
}

fn argon2_err(e: argon2::Error) -> CoreError {
    CoreError::Internal(format!("argon2: {e}"))
}

/// Hashes `password` with a fresh salt into a PHC string.
fn hash_with(params: &Params, password: &str, memory: &mut [Block]) -> CoreResult<String> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt);
    let mut out = [0u8; HASH_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, memory)
        .map_err(argon2_err)?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    ))
}

/// Recomputes the hash of `password` with the settings and salt of `phc` and compares.
fn verify_with(password: &str, phc: &str, memory: &mut [Block]) -> CoreResult<bool> {
    let unreadable = || CoreError::Internal("stored hash unreadable".into());
    let parts: Vec<&str> = phc.split('$').collect();
    let ["", "argon2id", "v=19", settings, salt, hash] = parts.as_slice() else {
        // A hash another system made (an imported user): checked once, then replaced.
        let foreign = super::foreign::parse(phc).map_err(|_| unreadable())?;
        return Ok(foreign.verify(password));
    };
    let mut cost = [0u32; 3];
    for (slot, (key, item)) in cost
        .iter_mut()
        .zip(["m", "t", "p"].into_iter().zip(settings.split(',')))
    {
        *slot = item
            .strip_prefix(key)
            .and_then(|v| v.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .ok_or_else(unreadable)?;
    }
    // A stored hash is trusted no more than an imported one: its cost is bounded the same way.
    if u64::from(cost[0]) > super::foreign::MAX_MEMORY_KIB
        || cost[1] > super::foreign::MAX_ARGON2_PASSES
        || cost[2] > super::foreign::MAX_ARGON2_PASSES
    {
        return Err(unreadable());
    }
    let salt = STANDARD_NO_PAD.decode(salt).map_err(|_| unreadable())?;
    let expected = STANDARD_NO_PAD.decode(hash).map_err(|_| unreadable())?;
    if expected.len() > 64 {
        return Err(unreadable());
    }
    let params =
        Params::new(cost[0], cost[1], cost[2], Some(expected.len())).map_err(|_| unreadable())?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = vec![0u8; expected.len()];
    let needed = params.block_count();
    let computed = if needed <= memory.len() {
        argon.hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            &mut memory[..needed],
        )
    } else {
        // A hash made with more memory than configured now: a one-off area.
        argon.hash_password_into(password.as_bytes(), &salt, &mut out)
    };
    computed.map_err(argon2_err)?;
    Ok(secrets_equal(&out, &expected))
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordHasher as _;

    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_match_the_argon2_crates_own_format() {
        let h = PasswordHasher::new(HashCost::INSECURE_DEV, 2).unwrap();
        let phc = h.hash("Secret1!").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
        assert!(h.verify("Secret1!", &phc).await.unwrap());
        assert!(!h.verify("Secret1?", &phc).await.unwrap());
        // A hash written by the argon2 crate itself (as stored before), weaker and stronger.
        for cost in [(64, 1, 1), (1024, 2, 1)] {
            let params = Params::new(cost.0, cost.1, cost.2, None).unwrap();
            let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(b"Secret1!")
                .unwrap()
                .to_string();
            assert!(h.verify("Secret1!", &theirs).await.unwrap(), "{theirs}");
            assert!(!h.verify("secret1!", &theirs).await.unwrap());
            assert!(h.needs_rehash(&theirs));
        }
        assert!(h.verify("x", "$argon2id$v=19$bad").await.is_err());
    }

    #[tokio::test]
    async fn sec_56_a_full_hashing_queue_is_refused_at_once() {
        // One worker, busy on an expensive hash while the queue is full.
        let cost = HashCost {
            memory_kib: 32 * 1024,
            iterations: 12,
            parallelism: 1,
        };
        let h = PasswordHasher::new(cost, 1).unwrap();
        let mut replies = Vec::new();
        let mut submit = || {
            let (tx, rx) = oneshot::channel();
            let sent = h
                .ticket()
                .and_then(|mut t| t.send(Job::Hash("pw".into(), tx)));
            replies.push(rx);
            sent.is_ok()
        };
        // The worker takes the first job and is busy with it while the queue fills. On a loaded
        // machine it may not have taken it yet when the filling starts: then the queue holds the
        // first job too, and one fewer fits after it. Either way the queue stops at its bound.
        assert!(submit());
        std::thread::sleep(std::time::Duration::from_millis(30));
        let mut queued = 0;
        while submit() {
            queued += 1;
        }
        assert!(
            (QUEUE_PER_WORKER - 1..=QUEUE_PER_WORKER).contains(&queued),
            "{queued} jobs queued behind the first, the bound is {QUEUE_PER_WORKER}"
        );
        let started = std::time::Instant::now();
        let refused = h.hash("one too many").await;
        assert!(
            matches!(refused, Err(CoreError::TooManyRequests(_))),
            "{refused:?}"
        );
        assert!(started.elapsed() < std::time::Duration::from_millis(50));
        // Callers that gave up are skipped, not hashed; the queue drains and accepts again.
        drop(replies);
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            loop {
                match h.hash("pw").await {
                    Err(CoreError::TooManyRequests(_)) => {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                    other => return other.unwrap(),
                }
            }
        })
        .await
        .expect("the queue drains");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rel_04_hashing_work_past_the_wait_bound_is_refused_at_once() {
        // One worker, a hash of roughly 100 ms: about five fit in the wait bound.
        let cost = HashCost {
            memory_kib: 32 * 1024,
            iterations: 4,
            parallelism: 1,
        };
        let h = PasswordHasher::new(cost, 1).unwrap();
        let phc = h.hash("pw").await.unwrap();
        let each = Duration::from_micros(h.backlog.average_us.load(Ordering::Relaxed));
        assert!(each > Duration::ZERO);
        let burst: Vec<_> = (0..40)
            .map(|_| {
                let (h, phc) = (h.clone(), phc.clone());
                tokio::spawn(async move {
                    let started = Instant::now();
                    (h.verify("pw", &phc).await, started.elapsed())
                })
            })
            .collect();
        let (mut accepted, mut refused) = (0u32, 0u32);
        for task in burst {
            match task.await.unwrap() {
                (Ok(true), _) => accepted += 1,
                (Err(CoreError::TooManyRequests(_)), took) => {
                    refused += 1;
                    assert!(took < Duration::from_millis(50), "refused after {took:?}");
                }
                other => panic!("{other:?}"),
            }
        }
        // Without the bound all 40 would queue (the queue holds 64).
        let fit = (MAX_QUEUE_WAIT.as_micros() / each.as_micros().max(1)) as u32 + 2;
        assert!(
            accepted <= fit && refused >= 40 - fit,
            "{accepted} accepted, {refused} refused; a hash takes {each:?}"
        );
        assert!(accepted >= 1, "nothing accepted");
    }

    #[tokio::test]
    async fn workers_run_at_a_lower_priority_than_the_requests() {
        let ours = niceness().expect("niceness");
        let h = PasswordHasher::new(HashCost::INSECURE_DEV, 1).unwrap();
        // Once it has hashed, the worker has set its priority.
        h.hash("pw").await.unwrap();
        let mut workers = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if comm.trim() == "argon2-0" {
                let stat = std::fs::read_to_string(task.path().join("stat")).unwrap();
                let nice: i32 = stat
                    .rsplit_once(')')
                    .unwrap()
                    .1
                    .split_whitespace()
                    .nth(16)
                    .unwrap()
                    .parse()
                    .unwrap();
                workers.push(nice);
            }
        }
        // Other tests' hashers may run workers of the same name, all lowered the same way.
        assert!(!workers.is_empty(), "no worker thread found");
        assert!(
            workers.iter().all(|n| *n == (ours + NICER_BY).min(19)),
            "{workers:?} vs {ours}"
        );
    }
}
