//! Judging a run against the security bar's criteria (§2.1): latency objectives per 10 s
//! window, errors by kind, the achieved share of the offered rate, memory and open files.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::generator::Sample;
use crate::instances::ProcSample;
use crate::ops::{Op, Outcome};

/// The length of a window in which latency objectives must hold.
pub const WINDOW: Duration = Duration::from_secs(10);

/// The latency objective of an operation: (p50, p99). Provisional objectives of the security
/// bar at 70 % of capacity: hashing and SRP operations 150 / 600 ms, the others 20 / 100 ms.
pub fn objective(op: Op) -> (Duration, Duration) {
    if op.heavy() {
        (Duration::from_millis(150), Duration::from_millis(600))
    } else {
        (Duration::from_millis(20), Duration::from_millis(100))
    }
}

/// The `q` quantile (0..=1) of `v` (sorted here).
pub fn quantile(v: &mut [Duration], q: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort_unstable();
    let k = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
    v[k]
}

/// Errors among `samples`: every transport failure and unexpected answer, and overload answers
/// unless `shed_allowed`; one line per kind with its count.
pub fn errors<'a>(samples: impl Iterator<Item = &'a Sample>, shed_allowed: bool) -> Vec<String> {
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for s in samples {
        let kind = match &s.outcome {
            Outcome::Ok => continue,
            Outcome::Shed if shed_allowed => continue,
            Outcome::Shed => "refused as overload".to_owned(),
            Outcome::Failed(m) => format!("unexpected answer {m}"),
            Outcome::Transport(m) => format!("no answer ({m})"),
        };
        *kinds.entry(kind).or_default() += 1;
    }
    kinds
        .into_iter()
        .map(|(k, n)| format!("{n} × {k}"))
        .collect()
}

/// Latency findings: in each window from `from` on, the successful requests of each class
/// (hashing or not) beyond `factor` × their objective at p50 or p99.
pub fn latency<'a>(
    samples: impl Iterator<Item = &'a Sample>,
    from: Duration,
    factor: f64,
    check_p50: bool,
) -> Vec<String> {
    let mut groups: BTreeMap<(u64, bool), (Vec<Duration>, Op)> = BTreeMap::new();
    for s in samples.filter(|s| s.outcome == Outcome::Ok && s.at >= from) {
        let window = s.at.as_secs() / WINDOW.as_secs();
        groups
            .entry((window, s.op.heavy()))
            .or_insert_with(|| (Vec::new(), s.op))
            .0
            .push(s.latency);
    }
    let mut found = Vec::new();
    for ((window, heavy), (mut lat, op)) in groups {
        let (p50_bound, p99_bound) = objective(op);
        let class = if heavy { "hashing" } else { "other" };
        let p50 = quantile(&mut lat, 0.50);
        let p99 = quantile(&mut lat, 0.99);
        let w = window * WINDOW.as_secs();
        if p99 > p99_bound.mul_f64(factor) {
            found.push(format!(
                "{class} p99 {p99:.0?} > {:.0?} in the window at {w} s ({} requests)",
                p99_bound.mul_f64(factor),
                lat.len()
            ));
        }
        if check_p50 && p50 > p50_bound.mul_f64(factor) {
            found.push(format!(
                "{class} p50 {p50:.0?} > {:.0?} in the window at {w} s",
                p50_bound.mul_f64(factor)
            ));
        }
    }
    found
}

/// Successful requests as a share of those due.
pub fn achieved<'a>(samples: impl Iterator<Item = &'a Sample>) -> f64 {
    let (mut ok, mut all) = (0usize, 0usize);
    for s in samples {
        all += 1;
        ok += usize::from(s.outcome == Outcome::Ok);
    }
    if all == 0 {
        1.0
    } else {
        ok as f64 / all as f64
    }
}

/// Per operation: requests, successes, p50 and p99 of the successes.
pub fn by_op<'a>(
    samples: impl Iterator<Item = &'a Sample>,
) -> BTreeMap<Op, (usize, usize, Duration, Duration)> {
    let mut lat: BTreeMap<Op, (usize, Vec<Duration>)> = BTreeMap::new();
    for s in samples {
        let e = lat.entry(s.op).or_default();
        e.0 += 1;
        if s.outcome == Outcome::Ok {
            e.1.push(s.latency);
        }
    }
    lat.into_iter()
        .map(|(op, (n, mut l))| {
            let ok = l.len();
            let p50 = quantile(&mut l, 0.5);
            let p99 = quantile(&mut l, 0.99);
            (op, (n, ok, p50, p99))
        })
        .collect()
}

/// Memory and open-file findings of one instance after `warm_up`: resident memory more than
/// 10 % above what it was then, or more files open than then (sockets follow the clients'
/// connections; they are checked once the load has stopped, [`connections_closed`]).
pub fn resources(procs: &[(Duration, ProcSample)], warm_up: Duration) -> Vec<String> {
    let Some((_, base)) = procs.iter().find(|(t, _)| *t >= warm_up) else {
        return vec!["no samples after the warm-up".into()];
    };
    let after = procs.iter().filter(|(t, _)| *t >= warm_up);
    let max_rss = after.clone().map(|(_, s)| s.rss_kib).max().unwrap_or(0);
    let max_files = after.map(|(_, s)| s.files).max().unwrap_or(0);
    let mut found = Vec::new();
    if max_rss as f64 > base.rss_kib as f64 * 1.10 {
        found.push(format!(
            "resident memory grew from {} to {} MiB after the warm-up",
            base.rss_kib / 1024,
            max_rss / 1024
        ));
    }
    if max_files > base.files + 2 {
        found.push(format!(
            "open files grew from {} to {max_files} after the warm-up",
            base.files
        ));
    }
    found
}

/// Whether an instance let go of its clients' connections once they closed them: `open`
/// connections left on its port.
pub fn connections_closed(open: u64) -> Option<String> {
    (open > 2).then(|| format!("{open} client connections still open after the load"))
}

/// The least-squares slope of resident memory over `procs` from `from` on, MiB per minute.
pub fn memory_slope(procs: &[(Duration, ProcSample)], from: Duration) -> f64 {
    let points: Vec<(f64, f64)> = procs
        .iter()
        .filter(|(t, _)| *t >= from)
        .map(|(t, s)| (t.as_secs_f64() / 60.0, s.rss_kib as f64 / 1024.0))
        .collect();
    let n = points.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let num: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let den: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if den == 0.0 { 0.0 } else { num / den }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: u64, latency_ms: u64, op: Op, outcome: Outcome) -> Sample {
        Sample {
            at: Duration::from_millis(at_ms),
            latency: Duration::from_millis(latency_ms),
            op,
            outcome,
            stage: 0,
        }
    }

    #[test]
    fn a_slow_window_and_errors_are_found_and_a_good_run_passes() {
        let mut good: Vec<Sample> = (0..200)
            .map(|i| sample(i * 100, 5, Op::GetUser, Outcome::Ok))
            .collect();
        assert!(latency(good.iter(), Duration::ZERO, 1.0, true).is_empty());
        assert!(errors(good.iter(), false).is_empty());
        assert!((achieved(good.iter()) - 1.0).abs() < 1e-9);
        // Two slow requests in the window at 10 s make its p99 (of 100) break 100 ms.
        good[101].latency = Duration::from_millis(300);
        good[102].latency = Duration::from_millis(300);
        let found = latency(good.iter(), Duration::ZERO, 1.0, true);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("at 10 s"), "{found:?}");
        // Twice the objective (overload) lets them pass.
        assert!(latency(good.iter(), Duration::ZERO, 3.0, true).is_empty());
        good.push(sample(0, 1, Op::Refresh, Outcome::Shed));
        good.push(sample(
            0,
            1,
            Op::Refresh,
            Outcome::Transport("reset".into()),
        ));
        assert_eq!(errors(good.iter(), true).len(), 1);
        assert_eq!(errors(good.iter(), false).len(), 2);
        assert!(achieved(good.iter()) < 1.0);
    }

    #[test]
    fn memory_growth_and_slope_are_measured() {
        let at = |s: u64, rss_mib: u64, fds: u64| {
            (
                Duration::from_secs(s),
                ProcSample {
                    rss_kib: rss_mib * 1024,
                    files: fds,
                    ..ProcSample::default()
                },
            )
        };
        let flat: Vec<_> = (0..120).map(|s| at(s, 100, 40)).collect();
        assert!(resources(&flat, Duration::from_secs(30)).is_empty());
        assert!(memory_slope(&flat, Duration::ZERO).abs() < 1e-9);
        assert!(connections_closed(0).is_none());
        assert!(connections_closed(40).is_some());
        let growing: Vec<_> = (0..120).map(|s| at(s, 100 + s / 4, 40 + s)).collect();
        assert_eq!(resources(&growing, Duration::from_secs(30)).len(), 2);
        let slope = memory_slope(&growing, Duration::ZERO);
        assert!((slope - 15.0).abs() < 1.0, "{slope}");
    }
}
