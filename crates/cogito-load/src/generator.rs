//! The open-loop generator: requests are started on a fixed schedule whatever the answers do,
//! and each one's latency is measured from when it was due, not from when it was sent (no
//! coordinated omission). The instances' memory, files and CPU are sampled every second
//! meanwhile, and the generator's own CPU time is reported.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::instances::{ProcSample, proc_sample};
use crate::ops::{self, Mix, Op, Outcome};
use crate::world::World;

/// Requests in flight at most; one due beyond it counts as a failure (the generator, not the
/// server, would be the limit).
const MAX_IN_FLIGHT: usize = 4096;

/// A rate held for a while.
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    /// Requests per second.
    pub rate: f64,
    /// How long.
    pub length: Duration,
}

/// One request.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When it was due, from the start of the run.
    pub at: Duration,
    /// From due to answered.
    pub latency: Duration,
    /// What it was.
    pub op: Op,
    /// How it ended.
    pub outcome: Outcome,
    /// The index of its stage.
    pub stage: usize,
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Run {
    /// Every request, in completion order.
    pub samples: Vec<Sample>,
    /// Per instance: (time from the start, sample), every second.
    pub procs: Vec<Vec<(Duration, ProcSample)>>,
    /// The generator's CPU time over the run, as a share of one core.
    pub generator_cores: f64,
    /// The largest delay between a request's due time and its start in the generator.
    pub generator_lag: Duration,
}

impl Run {
    /// The samples of stage `k`.
    pub fn stage(&self, k: usize) -> impl Iterator<Item = &Sample> {
        self.samples.iter().filter(move |s| s.stage == k)
    }
}

/// Runs `mix` through `stages` against the world; `serial` numbers the requests across runs.
pub async fn run(
    world: &Arc<World>,
    mix: &Mix,
    stages: &[Stage],
    pids: &[u32],
    serial: &Arc<AtomicU64>,
) -> Run {
    let samples = Arc::new(Mutex::new(Vec::new()));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let lag = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let cpu_before = proc_sample(std::process::id()).map_or(0, |p| p.cpu_ticks);
    let sampler = tokio::spawn(sample_procs(pids.to_vec(), start, done.clone()));
    let mut tasks = JoinSet::new();
    let mut stage_start = Duration::ZERO;
    for (k, stage) in stages.iter().enumerate() {
        let n = (stage.rate * stage.length.as_secs_f64()).round() as u64;
        for j in 0..n {
            let at = stage_start + Duration::from_secs_f64(j as f64 / stage.rate);
            tokio::time::sleep_until((start + at).into()).await;
            let i = serial.fetch_add(1, Ordering::Relaxed);
            let op = mix.pick(i);
            if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
                samples.lock().expect("samples").push(Sample {
                    at,
                    latency: Duration::ZERO,
                    op,
                    outcome: Outcome::Transport("generator: too many in flight".into()),
                    stage: k,
                });
                continue;
            }
            in_flight.fetch_add(1, Ordering::Relaxed);
            let (world, samples, in_flight) = (world.clone(), samples.clone(), in_flight.clone());
            let lag = lag.clone();
            tasks.spawn(async move {
                let late = u64::try_from((start + at).elapsed().as_micros()).unwrap_or(u64::MAX);
                lag.fetch_max(late, Ordering::Relaxed);
                let outcome = ops::run(&world, op, i).await;
                let latency = (start + at).elapsed();
                in_flight.fetch_sub(1, Ordering::Relaxed);
                samples.lock().expect("samples").push(Sample {
                    at,
                    latency,
                    op,
                    outcome,
                    stage: k,
                });
            });
            // Reap finished tasks now and then so the set stays small.
            while tasks.try_join_next().is_some() {}
        }
        stage_start += stage.length;
    }
    while tasks.join_next().await.is_some() {}
    done.store(true, Ordering::Relaxed);
    let procs = sampler.await.unwrap_or_default();
    let wall = start.elapsed().as_secs_f64().max(0.001);
    let cpu_after = proc_sample(std::process::id()).map_or(0, |p| p.cpu_ticks);
    let samples = std::mem::take(&mut *samples.lock().expect("samples"));
    Run {
        samples,
        procs,
        generator_cores: cpu_after.saturating_sub(cpu_before) as f64 / 100.0 / wall,
        generator_lag: Duration::from_micros(lag.load(Ordering::Relaxed)),
    }
}

/// Samples every process once a second until `done`.
async fn sample_procs(
    pids: Vec<u32>,
    start: Instant,
    done: Arc<AtomicBool>,
) -> Vec<Vec<(Duration, ProcSample)>> {
    let mut out = vec![Vec::new(); pids.len()];
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    while !done.load(Ordering::Relaxed) {
        tick.tick().await;
        for (k, pid) in pids.iter().enumerate() {
            if let Some(s) = proc_sample(*pid) {
                out[k].push((start.elapsed(), s));
            }
        }
    }
    out
}
