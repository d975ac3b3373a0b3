// `flame fold`: the options, one Folder (or one per part of a big file), the warnings, the
// folded lines on stdout.
use crate::args::{parse, Spec};
use crate::fold::{FoldOptions, Folder};
use crate::fold_names::Rules;
use crate::fold_par::{fold_file, Folded};
use crate::input::{for_each_block, write_stdout};
use crate::util::fmt_num;
use crate::{bad_input, usage, Failure};

const HELP: &str = include_str!("../assets/help-fold.txt");

const SPECS: &[Spec] = &[
    Spec::flag("pid", None),
    Spec::flag("tid", None),
    Spec::flag("kernel", None),
    Spec::flag("jit", None),
    Spec::flag("all", None),
    Spec::flag("addrs", None),
    Spec::value("event-filter", None),
    Spec::value("skip-after", None),
    Spec::value("compat", None),
    Spec::value("nthreads", Some('n')),
    Spec::flag("quiet", Some('q')),
    Spec::flag("verbose", Some('v')),
    Spec::flag("help", Some('h')),
];

pub fn run(argv: &[String]) -> Result<u8, Failure> {
    let p = parse("fold", SPECS, argv).map_err(usage)?;
    if p.flag("help") {
        write_stdout(HELP.as_bytes()).ok();
        return Ok(0);
    }
    let compat = p.value("compat").unwrap_or("inferno");
    if compat != "inferno" && compat != "perl" {
        return Err(usage(format!(
            "--compat takes inferno or perl, not '{}'",
            compat
        )));
    }
    let nthreads = match p.value("nthreads") {
        None => None,
        Some(n) => match n.trim().parse::<u64>() {
            Ok(v) if v >= 1 => Some(v.min(1024) as usize),
            _ => {
                return Err(usage(format!(
                    "--nthreads takes a whole number of at least 1, not '{}'",
                    n
                )))
            }
        },
    };
    if p.positionals.len() > 1 {
        return Err(usage(
            "flame fold reads one input (a file or -); run it once per file".into(),
        ));
    }
    let all = p.flag("all");
    let opts = FoldOptions {
        pid: p.flag("pid") || p.flag("tid"),
        tid: p.flag("tid"),
        rules: Rules {
            kernel: p.flag("kernel") || all,
            jit: p.flag("jit") || all,
            addrs: p.flag("addrs"),
        },
        event_filter: p.value("event-filter").map(|s| s.as_bytes().to_vec()),
        skip_after: p
            .all("skip-after")
            .into_iter()
            .map(|s| s.into_bytes())
            .collect(),
        perl: compat == "perl",
    };
    let file = p.positionals.first().map(|s| s.as_str()).unwrap_or("-");
    // One thread per core by default: each part of a big file is read and folded on its own.
    // At most two per core: more only add contention.
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let threads = nthreads.unwrap_or(cores).min(cores * 2);
    let par = if file != "-" && threads > 1 {
        fold_file(file, &opts, threads).map_err(|e| bad_input(e.0))?
    } else {
        None
    };
    let Folded { stacks, stats } = match par {
        Some(f) => f,
        None => {
            let mut folder = Folder::new(opts);
            for_each_block(file, true, |b| folder.feed(b)).map_err(|e| bad_input(e.0))?;
            folder.finish();
            let stacks = folder.stacks();
            Folded {
                stacks,
                stats: folder.stats,
            }
        }
    };
    if !p.flag("quiet") {
        for w in stats.warnings() {
            crate::util::say(&format!("warning: {}", w));
        }
    }
    if p.flag("verbose") {
        crate::util::say(&format!(
            "flame fold: {} samples folded into {} stacks",
            stats.samples,
            stacks.len()
        ));
    }
    let mut out = Vec::with_capacity(stacks.iter().map(|s| s.0.len() + 12).sum());
    for (k, c) in stacks {
        out.extend_from_slice(&k);
        out.push(b' ');
        out.extend_from_slice(fmt_num(c).as_bytes());
        out.push(b'\n');
    }
    write_stdout(&out).map_err(|e| {
        bad_input(format!(
            "cannot write the output: {}",
            crate::input::reason(&e)
        ))
    })?;
    Ok(0)
}
