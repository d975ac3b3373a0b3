// flame-native: `flame fold` and `flame svg`, the only implementation of folding perf-script text
// and drawing flame graphs. bin/flame execs it for those two verbs; the daemon and `flame record`
// pipe folded stacks through `svg` (engine/render/native.ts).
mod args;
mod fold;
mod fold_cmd;
mod fold_names;
mod fold_par;
mod fold_stacks;
mod input;
mod svg;
mod svg_cmd;
mod svg_palette;
mod svg_tree;
mod util;

use std::process::ExitCode;

/** A failure with its exit code: 2 for a usage mistake, 1 for bad input. */
pub struct Failure {
    pub code: u8,
    pub message: String,
}

pub fn usage(message: String) -> Failure {
    Failure { code: 2, message }
}

pub fn bad_input(message: String) -> Failure {
    Failure { code: 1, message }
}

fn main() -> ExitCode {
    // Arguments that are not UTF-8 are read with U+FFFD: names in them are only displayed.
    let argv: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let result = match argv.first().map(|s| s.as_str()) {
        Some("fold") => fold_cmd::run(&argv[1..]),
        Some("svg") => svg_cmd::run(&argv[1..]),
        _ => Err(usage("flame-native runs `fold` or `svg`; run `flame --help` for everything else".into())),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            util::say(&format!("error: {}", f.message));
            ExitCode::from(f.code)
        }
    }
}
