//! The phases of a tier and what each must show (security bar §2.2):
//!
//! * REL-01 — capacity: each class alone (long tier) and profile M1, from 10 requests/s up by
//!   a factor per step, until a step breaks an objective, errs or falls short of its rate;
//! * REL-02 / REL-03 — M1 held at 70 % of capacity: no error, objectives met in every 10 s
//!   window, ≥ 99 % of the offered rate done, memory and open files flat after the warm-up,
//!   the SQLite WAL under 64 MiB;
//! * REL-04 — M1 at 3× capacity, then 50 %: nobody crashes, the excess is refused as overload
//!   within 50 ms (p99), accepted requests stay within twice their objective, and from 10 s
//!   after the load drops there is no error and the objectives hold again;
//! * REL-05 — M1 at 50 % for an hour (long tier): memory slope over the last half under
//!   1 MiB/min and the median latency not drifting.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use crate::generator::{self, Run, Stage};
use crate::ops::{Mix, Op, Outcome};
use crate::verdict::{self, WINDOW};
use crate::world::World;

/// The rate a calibration never steps beyond.
const MAX_RATE: f64 = 20_000.0;
/// The least share of the capacity still done during an overload.
const MIN_ACCEPTED: f64 = 0.8;
/// The step of the sweep that finds where a long calibration begins.
const SWEEP_STEP: Duration = Duration::from_secs(4);

/// The durations and steps of a tier.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `short` or `long`.
    pub name: &'static str,
    /// Users created at set-up.
    pub users: usize,
    /// Each calibration step.
    pub step: Duration,
    /// Rate factor between steps.
    pub factor: f64,
    /// Classes calibrated alone before M1.
    pub classes: Vec<Op>,
    /// The held load.
    pub held: Duration,
    /// The start of the held load that memory and files are not judged on.
    pub warm_up: Duration,
    /// The overload.
    pub overload: Duration,
    /// The load after the overload.
    pub recovery: Duration,
    /// The soak, if any.
    pub soak: Option<Duration>,
}

impl Plan {
    /// The tier CI runs (about five minutes per backend).
    pub fn short() -> Self {
        Self {
            name: "short",
            users: 300,
            step: Duration::from_secs(4),
            factor: 1.25,
            classes: Vec::new(),
            held: Duration::from_secs(120),
            warm_up: Duration::from_secs(30),
            overload: Duration::from_secs(20),
            recovery: Duration::from_secs(20),
            soak: None,
        }
    }

    /// The tier of the security bar's figures (about 100 minutes per backend).
    pub fn long() -> Self {
        Self {
            name: "long",
            users: 1000,
            step: Duration::from_secs(30),
            factor: 1.25,
            classes: vec![
                Op::Refresh,
                Op::GetUser,
                Op::Password,
                Op::Srp,
                Op::SignUp,
                Op::ListUsers,
            ],
            held: Duration::from_secs(600),
            warm_up: Duration::from_secs(120),
            overload: Duration::from_secs(60),
            recovery: Duration::from_secs(30),
            soak: Some(Duration::from_secs(3600)),
        }
    }
}

/// What a tier found, reported and measured.
#[derive(Debug, Default)]
pub struct Report {
    /// Failed criteria, each prefixed with its row.
    pub findings: Vec<String>,
    /// The report.
    pub lines: Vec<String>,
    /// Figures for the JSON record.
    pub figures: serde_json::Map<String, serde_json::Value>,
}

/// A tier in progress: what it found and what it reports.
pub struct Tier {
    world: Arc<World>,
    pids: Vec<u32>,
    serial: Arc<AtomicU64>,
    /// Failed criteria, each prefixed with its row.
    pub findings: Vec<String>,
    /// The report.
    pub lines: Vec<String>,
    /// Figures for the JSON record.
    pub figures: serde_json::Map<String, serde_json::Value>,
}

impl Tier {
    /// A tier over `world` served by the processes `pids`.
    pub fn new(world: Arc<World>, pids: Vec<u32>) -> Self {
        Self {
            world,
            pids,
            serial: Arc::default(),
            findings: Vec::new(),
            lines: Vec::new(),
            figures: serde_json::Map::new(),
        }
    }

    /// Ends the tier: what it found, reported and measured (the world is let go).
    pub fn done(self) -> Report {
        Report {
            findings: self.findings,
            lines: self.lines,
            figures: self.figures,
        }
    }

    async fn run(&self, mix: &Mix, stages: &[Stage]) -> Run {
        let run = generator::run(&self.world, mix, stages, &self.pids, &self.serial).await;
        // Progress on standard error: what each run offered and what came of it.
        let (ok, shed) = run
            .samples
            .iter()
            .fold((0, 0), |(ok, shed), s| match s.outcome {
                Outcome::Ok => (ok + 1, shed),
                Outcome::Shed => (ok, shed + 1),
                _ => (ok, shed),
            });
        let rates: Vec<String> = stages
            .iter()
            .map(|s| format!("{:.0}/s for {:?}", s.rate, s.length))
            .collect();
        eprintln!(
            "cogito-load: {} at {}: {ok} done, {shed} refused as overload, {} failed",
            mix.name,
            rates.join(" then "),
            run.samples.len() - ok - shed
        );
        // For a closer look at a run: every request as a line of TSV.
        if let Ok(path) = std::env::var("COGITO_LOAD_SAMPLES") {
            let lines: String = run
                .samples
                .iter()
                .map(|s| {
                    format!(
                        "{}\t{:.3}\t{:.3}\t{}\t{:?}\n",
                        s.stage,
                        s.at.as_secs_f64(),
                        s.latency.as_secs_f64() * 1e3,
                        s.op.name(),
                        s.outcome
                    )
                })
                .collect();
            let _ = std::fs::write(path, lines);
        }
        run
    }

    fn fail(&mut self, row: &str, what: impl IntoIterator<Item = String>) {
        self.findings
            .extend(what.into_iter().map(|w| format!("{row}: {w}")));
    }

    /// REL-01: the highest rate of `mix` whose step met every criterion (0 when none did).
    ///
    /// Steps longer than the short tier's begin two steps below where a sweep of short steps
    /// broke: the long steps below that would only confirm what the sweep already showed.
    pub async fn calibrate(&mut self, plan: &Plan, mix: &Mix) -> f64 {
        let mut start = if plan.step > SWEEP_STEP {
            let (rough, _) = self.sweep(mix, 10.0, SWEEP_STEP, plan.factor).await;
            (rough / plan.factor / plan.factor).max(10.0)
        } else {
            10.0
        };
        // Long steps hold less than short ones: when even the first fails, start lower.
        let (capacity, why) = loop {
            let (capacity, why) = self.sweep(mix, start, plan.step, plan.factor).await;
            if capacity > 0.0 || start <= 10.0 {
                break (capacity, why);
            }
            start = (start / plan.factor / plan.factor).max(10.0);
        };
        let from = if start > 10.0 {
            format!("steps of {:?} from {start:.0}/s", plan.step)
        } else {
            format!("steps of {:?}", plan.step)
        };
        self.lines.push(format!(
            "REL-01 capacity of {}: {capacity:.0} requests/s ({from}; the next step broke: {why})",
            mix.name
        ));
        self.figures.insert(
            format!("capacity {}", mix.name),
            serde_json::json!(capacity.round()),
        );
        if capacity == 0.0 {
            self.fail(
                "REL-01",
                [format!(
                    "{} did not hold even {start:.0} requests/s: {why}",
                    mix.name
                )],
            );
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        capacity
    }

    /// Steps of `mix` from `rate` upward by `factor` until one fails a criterion: the last rate
    /// that met every criterion (0 when none did) and why the next one broke.
    async fn sweep(
        &mut self,
        mix: &Mix,
        mut rate: f64,
        step: Duration,
        factor: f64,
    ) -> (f64, String) {
        let mut capacity = 0.0_f64;
        let why = loop {
            let run = self.run(mix, &[Stage { rate, length: step }]).await;
            let mut bad = verdict::errors(run.samples.iter(), false);
            bad.extend(verdict::latency(
                run.samples.iter(),
                Duration::ZERO,
                1.0,
                true,
            ));
            let done = verdict::achieved(run.samples.iter());
            if done < 0.99 {
                bad.push(format!("{:.1} % done", done * 100.0));
            }
            if !bad.is_empty() {
                break bad.join("; ");
            }
            capacity = rate;
            rate *= factor;
            if rate > MAX_RATE {
                break format!("stopped at {MAX_RATE} requests/s");
            }
            // Let what the step queued drain before the next one.
            tokio::time::sleep(Duration::from_secs(2)).await;
        };
        (capacity, format!("{rate:.0}/s: {why}"))
    }

    /// REL-02 (one instance) or REL-03 (two): M1 held at 70 % of `capacity`.
    pub async fn held(&mut self, plan: &Plan, row: &str, capacity: f64, wal: Option<PathBuf>) {
        let rate = capacity * 0.7;
        let run = self
            .run(
                &Mix::m1(),
                &[Stage {
                    rate,
                    length: plan.held,
                }],
            )
            .await;
        let mut bad = verdict::errors(run.samples.iter(), false);
        bad.extend(verdict::latency(run.samples.iter(), WINDOW, 1.0, true));
        let done = verdict::achieved(run.samples.iter());
        if done < 0.99 {
            bad.push(format!(
                "only {:.1} % of the offered requests done",
                done * 100.0
            ));
        }
        for (k, procs) in run.procs.iter().enumerate() {
            bad.extend(
                verdict::resources(procs, plan.warm_up)
                    .into_iter()
                    .map(|f| format!("instance {k}: {f}")),
            );
        }
        if let Some(wal) = wal {
            // The instance holds the database open in WAL mode: a missing file is a wrong path
            // or another journal mode, not a small WAL.
            match std::fs::metadata(&wal) {
                Ok(m) if m.len() > 64 << 20 => {
                    bad.push(format!("the SQLite WAL is {} MiB", m.len() >> 20));
                }
                Ok(_) => {}
                Err(e) => bad.push(format!("no SQLite WAL at {}: {e}", wal.display())),
            }
        }
        self.report(
            row,
            &format!("M1 held at {rate:.0}/s for {:?}", plan.held),
            &run,
        );
        let slope: Vec<String> = run
            .procs
            .iter()
            .map(|p| format!("{:+.2}", verdict::memory_slope(p, plan.warm_up)))
            .collect();
        self.lines.push(format!(
            "  memory slope after the warm-up: {} MiB/min",
            slope.join(", ")
        ));
        self.fail(row, bad);
    }

    /// REL-04: M1 at 3× `capacity`, then at 50 %. Unless `judged`, what fails is reported as a
    /// note and fails nothing (the short tier on PostgreSQL, whose server shares the two cores
    /// of this machine with both instances and the generator).
    pub async fn overload(&mut self, plan: &Plan, capacity: f64, judged: bool) {
        let stages = [
            Stage {
                rate: capacity * 3.0,
                length: plan.overload,
            },
            Stage {
                rate: capacity * 0.5,
                length: plan.recovery,
            },
        ];
        let probe = tokio::spawn(probe_health(
            self.world.http.clone(),
            self.world.targets.clone(),
            plan.overload,
        ));
        let run = self.run(&Mix::m1(), &stages).await;
        let mut floor = probe.await.unwrap_or_default();
        let floor_p99 = verdict::quantile(&mut floor, 0.99);
        let over: Vec<_> = run.stage(0).cloned().collect();
        let mut bad = verdict::errors(over.iter(), true);
        let shed_count = over.iter().filter(|s| s.outcome == Outcome::Shed).count();
        // The latency of a refusal, from operations of one call (in the others an accepted
        // first call would count too).
        let mut shed: Vec<Duration> = over
            .iter()
            .filter(|s| s.outcome == Outcome::Shed && s.op.single_call())
            .map(|s| s.latency)
            .collect();
        let shed_p99 = verdict::quantile(&mut shed, 0.99);
        // 50 ms, or — where the machine itself is the limit (generator, database and instances
        // share two cores, and a request that does nothing, `/health`, never refused, sent at
        // the same time, is already slow) — twice that request's p99 and 25 ms: a refusal is
        // read, parsed and may wait 5 ms for a place, each step behind the saturated CPU's
        // queue, but it never waits behind the work it refuses (without the shedding, refusals
        // came after seconds).
        let bound = Duration::from_millis(50).max(floor_p99 * 2 + Duration::from_millis(25));
        if shed_p99 > bound {
            bad.push(format!(
                "overload answers took {shed_p99:.0?} at p99 (bound {bound:.0?}; /health {floor_p99:.0?})"
            ));
        }
        // Shedding is no answer if it refuses what the instances could have done.
        let accepted = over.iter().filter(|s| s.outcome == Outcome::Ok).count() as f64
            / plan.overload.as_secs_f64();
        if accepted < capacity * MIN_ACCEPTED {
            bad.push(format!(
                "only {accepted:.0} requests/s accepted during the overload (at least {:.0})",
                capacity * MIN_ACCEPTED
            ));
        }
        bad.extend(
            verdict::latency(over.iter(), Duration::ZERO, 2.0, false)
                .into_iter()
                .map(|f| format!("during the overload, {f}")),
        );
        let settled = plan.overload + Duration::from_secs(10);
        let after: Vec<_> = run.stage(1).filter(|s| s.at >= settled).cloned().collect();
        bad.extend(
            verdict::errors(after.iter(), false)
                .into_iter()
                .map(|f| format!("10 s after the overload, {f}")),
        );
        bad.extend(
            verdict::latency(after.iter(), Duration::ZERO, 1.0, true)
                .into_iter()
                .map(|f| format!("10 s after the overload, {f}")),
        );
        self.report(
            "REL-04",
            &format!(
                "M1 at {:.0}/s for {:?}, then {:.0}/s",
                capacity * 3.0,
                plan.overload,
                capacity * 0.5
            ),
            &run,
        );
        self.lines.push(format!(
            "  overload: {shed_count} of {} refused as overload (p99 {shed_p99:.1?}; /health p99 {floor_p99:.1?}), {accepted:.0} accepted/s",
            over.len(),
        ));
        if judged {
            self.fail("REL-04", bad);
        } else {
            self.lines.extend(
                bad.into_iter()
                    .map(|b| format!("  NOTE (not judged in this tier): REL-04: {b}")),
            );
        }
    }

    /// REL-05: M1 at 50 % of `capacity` for `length`.
    pub async fn soak(&mut self, capacity: f64, length: Duration) {
        let rate = capacity * 0.5;
        let run = self.run(&Mix::m1(), &[Stage { rate, length }]).await;
        let mut bad = verdict::errors(run.samples.iter(), false);
        bad.extend(verdict::latency(run.samples.iter(), WINDOW, 1.0, true));
        for (k, procs) in run.procs.iter().enumerate() {
            let slope = verdict::memory_slope(procs, length / 2);
            if slope > 1.0 {
                bad.push(format!("instance {k}: memory grows {slope:.2} MiB/min"));
            }
        }
        // Drift: the median of the fast operations in the first and the last tenth.
        let tenth = length / 10;
        let median = |early: bool| {
            let mut l: Vec<Duration> = run
                .samples
                .iter()
                .filter(|s| s.outcome == Outcome::Ok && !s.op.heavy())
                .filter(|s| {
                    if early {
                        s.at < tenth
                    } else {
                        s.at >= length - tenth
                    }
                })
                .map(|s| s.latency)
                .collect();
            verdict::quantile(&mut l, 0.5)
        };
        let (first, last) = (median(true), median(false));
        if last > first.mul_f64(1.10) && last - first > Duration::from_millis(1) {
            bad.push(format!(
                "median latency drifted from {first:.1?} to {last:.1?}"
            ));
        }
        self.report("REL-05", &format!("M1 at {rate:.0}/s for {length:?}"), &run);
        self.fail("REL-05", bad);
    }

    fn report(&mut self, row: &str, what: &str, run: &Run) {
        let cpu: Vec<String> = run
            .procs
            .iter()
            .map(|p| match (p.first(), p.last()) {
                (Some((t0, a)), Some((t1, b))) if t1 > t0 => format!(
                    "{:.2} cores, RSS {}→{} MiB (peak {}), {}→{} files, {}→{} sockets",
                    (b.cpu_ticks - a.cpu_ticks) as f64 / 100.0 / (*t1 - *t0).as_secs_f64(),
                    a.rss_kib / 1024,
                    b.rss_kib / 1024,
                    b.hwm_kib / 1024,
                    a.files,
                    b.files,
                    a.sockets,
                    b.sockets
                ),
                _ => "no samples".into(),
            })
            .collect();
        self.lines.push(format!(
            "{row} {what}: {} requests, generator {:.2} cores (lag ≤ {:.1?}); server {}",
            run.samples.len(),
            run.generator_cores,
            run.generator_lag,
            cpu.join(" | ")
        ));
        for (op, (n, ok, p50, p99)) in verdict::by_op(run.samples.iter()) {
            self.lines.push(format!(
                "  {:<22} {n:>7} sent {ok:>7} ok  p50 {p50:>8.1?}  p99 {p99:>8.1?}",
                op.name()
            ));
        }
        self.figures.insert(
            format!("{row} {what}"),
            serde_json::json!({
                "requests": run.samples.len(),
                "ops": verdict::by_op(run.samples.iter()).into_iter().map(|(op, (n, ok, p50, p99))| {
                    serde_json::json!({"op": op.name(), "sent": n, "ok": ok,
                        "p50_ms": p50.as_secs_f64() * 1e3, "p99_ms": p99.as_secs_f64() * 1e3})
                }).collect::<Vec<_>>(),
                "peak_rss_mib": run.procs.iter().filter_map(|p| p.last()).map(|(_, s)| s.hwm_kib / 1024).collect::<Vec<_>>(),
            }),
        );
    }
}

/// `/health` of each target in turn, 50 times a second for `length`: the latency of a request
/// that does no work, measured from when it was due.
async fn probe_health(
    http: reqwest::Client,
    targets: Vec<String>,
    length: Duration,
) -> Vec<Duration> {
    let start = tokio::time::Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut tasks = tokio::task::JoinSet::new();
    let mut k = 0usize;
    while start.elapsed() < length {
        let due = tick.tick().await;
        let url = format!("{}/health", targets[k % targets.len()]);
        k += 1;
        let http = http.clone();
        tasks.spawn(async move {
            let _ = http.get(url).send().await.map(|r| r.status());
            due.elapsed()
        });
    }
    let mut out = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(d) = done {
            out.push(d);
        }
    }
    out
}
