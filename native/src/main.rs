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
mod svg_notes;
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

/**
 * `<verb> --stdin-args`: the rest of the arguments come first on stdin, each ended by a NUL byte,
 * and an empty one ends them; the input follows. So a renderer can be started before its options
 * are known (engine/render/native.ts starts one when a recording starts), and its start-up is
 * off the path from the program's end to the graph on disk.
 */
fn stdin_args() -> Result<Vec<String>, String> {
    use std::io::BufRead;
    let mut args = Vec::new();
    let mut lock = std::io::stdin().lock();
    loop {
        let mut arg = Vec::new();
        match lock.read_until(0, &mut arg) {
            Ok(_) if arg.last() == Some(&0) => {
                arg.pop();
                if arg.is_empty() {
                    return Ok(args);
                }
                args.push(String::from_utf8_lossy(&arg).into_owned());
            }
            Ok(_) => {
                return Err(
                    "--stdin-args: stdin ended before the empty argument that ends the arguments"
                        .into(),
                )
            }
            Err(e) => {
                return Err(format!(
                    "--stdin-args: cannot read stdin: {}",
                    crate::input::reason(&e)
                ))
            }
        }
    }
}

fn main() -> ExitCode {
    // Arguments that are not UTF-8 are read with U+FFFD: names in them are only displayed.
    let mut argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if argv.get(1).map(|s| s.as_str()) == Some("--stdin-args") {
        match stdin_args() {
            Ok(more) => {
                argv.splice(1..2, more);
            }
            Err(m) => {
                util::say(&format!("error: {}", m));
                return ExitCode::from(2);
            }
        }
    }
    let result = match argv.first().map(|s| s.as_str()) {
        Some("fold") => fold_cmd::run(&argv[1..]),
        Some("svg") => svg_cmd::run(&argv[1..]),
        _ => Err(usage(
            "flame-native runs `fold` or `svg`; run `flame --help` for everything else".into(),
        )),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            util::say(&format!("error: {}", f.message));
            ExitCode::from(f.code)
        }
    }
}
