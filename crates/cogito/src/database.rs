//! `cogito migrate` and `cogito copy`: the installation tools that work on a database without
//! serving it. Both are thin: the SQL is the store's ([`cogito_store::migrate`],
//! [`cogito_store::copy`]); this module adds the data directory's file modes and the output
//! (a progress bar on a terminal, one line per table otherwise).

use anyhow::Context;
use cogito_store::copy::{CopyReport, Progress};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{CopyArgs, MigrateArgs};

/// Applies the migrations of the database in force and says what it did.
pub async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let default_location = args.storage.database_url.is_none();
    if default_location {
        std::fs::create_dir_all(&args.storage.data_dir)
            .with_context(|| format!("creating {}", args.storage.data_dir.display()))?;
        crate::files::restrict_dir(&args.storage.data_dir)?;
    }
    let report = cogito_store::migrate::migrate(&args.storage.url())
        .await
        .context("migrating the database")?;
    if default_location {
        crate::files::restrict_files(&args.storage.data_dir)?;
    }
    let current = report
        .current
        .as_ref()
        .map_or_else(|| "none".to_owned(), |(v, d)| format!("{v} ({d})"));
    if report.applied.is_empty() {
        println!(
            "{}: already up to date, schema version {current}",
            report.backend
        );
    } else {
        println!(
            "{}: applied {} migration(s), schema version {current}",
            report.backend,
            report.applied.len()
        );
        for (version, description) in &report.applied {
            println!("  {version} {description}");
        }
    }
    Ok(())
}

/// Copies the installation at `--from` into the empty database at `--to`.
pub async fn copy(args: CopyArgs) -> anyhow::Result<()> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:24} [{bar:40}] {pos}/{len} rows ({eta} left)")
            .context("progress style")?
            .progress_chars("=> "),
    );
    // Without a terminal the bar draws nothing; say instead which table is done, once each.
    let quiet = bar.is_hidden();
    let mut current: Option<&'static str> = None;
    let report = cogito_store::copy::copy_installation(&args.from, &args.to, |p: &Progress| {
        bar.set_length(p.total_rows);
        bar.set_position(p.total_copied);
        bar.set_message(p.table);
        if quiet && p.table_copied == p.table_rows && current != Some(p.table) {
            eprintln!("copied {:>8} rows of {}", p.table_rows, p.table);
            current = Some(p.table);
        }
    })
    .await;
    bar.finish_and_clear();
    let report: CopyReport =
        report.context("copy failed; no row was written to the destination")?;
    println!(
        "copied {} rows in {} tables from {} to {}",
        report.total_rows(),
        report.tables.len(),
        backend(&args.from),
        backend(&args.to)
    );
    Ok(())
}

/// The scheme of a database URL, which is all that is printed of it (URLs may hold passwords).
fn backend(url: &str) -> &str {
    url.split(':').next().unwrap_or("?")
}
