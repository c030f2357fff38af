//! The time-to-done figures: each walk's actions and seconds, checked
//! against the target (at most 4 actions and 30 s from "customer on the
//! line" to "instructions sent"), kept in the target directory, and, when
//! `CARDDESK_E2E_RECORD=1`, written to the "Time to done" section of
//! docs/benchmarks.md (between its markers) from every walk kept so far.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::agent::{Hands, TimeToDone};

/// The target: actions from the call to the instructions sent.
pub const MAX_ACTIONS: usize = 4;
/// The target: seconds from the call to the instructions sent.
pub const MAX_TIME: Duration = Duration::from_secs(30);

const BEGIN: &str =
    "<!-- time-to-done:begin (written by tests/console_e2e.rs with CARDDESK_E2E_RECORD=1) -->";
const END: &str = "<!-- time-to-done:end -->";

/// Checks `result` against the target and keeps it as walk `walk`'s
/// (`offline, mouse`, …).
pub fn record(walk: &str, result: &TimeToDone) {
    eprintln!(
        "time to done ({walk}): {} actions in {:.1} s: {}",
        result.actions.len(),
        result.elapsed.as_secs_f64(),
        result.actions.join(", ")
    );
    assert!(
        result.actions.len() <= MAX_ACTIONS,
        "{walk}: {} actions from the call to the instructions sent, more than {MAX_ACTIONS}: {:?}",
        result.actions.len(),
        result.actions
    );
    assert!(
        result.elapsed <= MAX_TIME,
        "{walk}: {:.1} s from the call to the instructions sent, more than {MAX_TIME:?}",
        result.elapsed.as_secs_f64()
    );
    let row = format!(
        "| {walk} | {} | {} | {:.2} s |",
        result.actions.len(),
        result.actions.join(" → "),
        result.elapsed.as_secs_f64()
    );
    let kept = kept_dir();
    std::fs::create_dir_all(&kept).expect("the results folder can be made");
    let file = kept.join(format!("{}.row", slug(walk, result.hands)));
    std::fs::write(&file, row).expect("the result can be kept");
    if super::console::recording() {
        write_section(&Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/benchmarks.md"));
    }
}

fn kept_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console_e2e/time-to-done")
}

fn slug(walk: &str, hands: Hands) -> String {
    let mut slug: String = walk
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    slug.push_str(match hands {
        Hands::Mouse => "-m",
        Hands::Keyboard => "-k",
    });
    slug
}

/// Rewrites the section's table from the results kept so far.
fn write_section(doc: &Path) {
    let mut rows: Vec<String> = std::fs::read_dir(kept_dir())
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    rows.sort();
    let block = format!(
        "{BEGIN}\n| walk | actions | what the agent did | seconds |\n|---|---:|---|---:|\n{}\n{END}",
        rows.join("\n")
    );
    let text = std::fs::read_to_string(doc).expect("docs/benchmarks.md can be read");
    let updated = match (text.find(BEGIN), text.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{block}{}", &text[..begin], &text[end + END.len()..])
        }
        _ => format!("{}\n\n## Time to done\n\n{block}\n", text.trim_end()),
    };
    std::fs::write(doc, updated).expect("docs/benchmarks.md can be written");
    eprintln!("time to done written to {}", doc.display());
}
