//! `abcrm synth-export`: a generated Salesforce or HubSpot export with truth.csv, written as
//! the generator streams it, so a million-lead org never sits in memory.

use crate::cli::{ExportFormat, SynthExportArgs};
use abcrm_core::migration::synth::{self, ExportSpec, Table};
use anyhow::Context;
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::time::Instant;

/// Writes every file of the export into `args.out` and prints what it wrote and how long it took.
pub fn run(args: &SynthExportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let format = match args.format {
        ExportFormat::Salesforce => synth::ExportFormat::Salesforce,
        ExportFormat::Hubspot => synth::ExportFormat::Hubspot,
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut files: HashMap<Table, (csv::Writer<File>, usize)> = HashMap::new();
    for &table in Table::of(format) {
        let path = args.out.join(table.file_name());
        let mut file =
            File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
        // truth.csv is the scorer's, not the export's: only the export goes through Excel.
        let excel = args.excel && table != Table::Truth;
        if excel {
            file.write_all("\u{feff}".as_bytes())?;
        }
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .buffer_capacity(1 << 16)
            .quote_style(if excel {
                csv::QuoteStyle::Always
            } else {
                csv::QuoteStyle::Necessary
            })
            .terminator(if excel {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .from_writer(file);
        writer.write_record(table.header())?;
        files.insert(table, (writer, 0));
    }
    let spec = ExportSpec {
        format,
        seed: args.seed,
        accounts: args.accounts,
        contacts: args.contacts,
        leads: args.leads,
    };
    synth::generate(&spec, |table, row| {
        let (writer, rows) = files.get_mut(&table).expect("a file for every table");
        *rows += 1;
        writer.write_record(row)
    })
    .with_context(|| format!("cannot write into {}", args.out.display()))?;
    for &table in Table::of(format) {
        let (mut writer, rows) = files.remove(&table).expect("opened above");
        writer.flush()?;
        eprintln!("  {:<28} {rows:>10} rows", table.file_name());
    }
    eprintln!(
        "Wrote a {} export (seed {}{}) to {} in {:.2}s.",
        match format {
            synth::ExportFormat::Salesforce => "Salesforce",
            synth::ExportFormat::Hubspot => "HubSpot",
        },
        args.seed,
        if args.excel {
            ", as Excel saves it"
        } else {
            ""
        },
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
