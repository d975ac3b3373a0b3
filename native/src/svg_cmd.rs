// `flame svg`: the options, the inputs read as one stream of folded lines into a tree, the
// warnings, and the SVG (svg.rs) on stdout.
use crate::args::{parse, Spec};
use crate::input::{for_each_block, write_stdout};
use crate::svg::{layout, write_svg, Opts, XPAD};
use crate::svg_palette::{Shade, PALETTES};
use crate::svg_tree::Builder;
use crate::util::{find_byte, fmt_num, json_string, say};
use crate::{bad_input, usage, Failure};

const HELP: &str = include_str!("../assets/help-svg.txt");
const OPTIONS_HELP: &str = include_str!("../assets/svg-options.txt");

/** Exit code when --max-frames refuses the graph. */
const TOO_MANY_FRAMES: u8 = 3;

const SPECS: &[Spec] = &[
    Spec::value("title", None),
    Spec::value("subtitle", None),
    Spec::flag("inverted", Some('i')),
    Spec::flag("reverse", None),
    Spec::value("min-width", None),
    Spec::value("minwidth", None),
    Spec::value("palette", None),
    Spec::value("colors", Some('c')),
    Spec::flag("deterministic", None),
    Spec::flag("hash", None),
    Spec::flag("flamechart", None),
    Spec::value("notes", None),
    Spec::value("image-width", None),
    Spec::value("width", None),
    Spec::value("countname", None),
    Spec::value("nametype", None),
    Spec::value("font-size", None),
    Spec::value("fontsize", None),
    Spec::value("font-width", None),
    Spec::value("fontwidth", None),
    Spec::value("font-type", None),
    Spec::value("fonttype", None),
    Spec::value("frame-height", None),
    Spec::value("height", None),
    Spec::value("search-color", None),
    Spec::value("max-frames", None),
    Spec::flag("negate", None),
    Spec::value("bgcolors", None),
    Spec::value("uicolor", None),
    Spec::value("stroke-color", None),
    Spec::value("base", None),
    Spec::value("factor", None),
    Spec::flag("quiet", Some('q')),
    Spec::flag("verbose", Some('v')),
    Spec::flag("no-sort", None),
    Spec::flag("pretty-xml", None),
    Spec::flag("truncate-text-right", None),
    Spec::flag("cp", None),
    Spec::flag("colordiffusion", None),
    Spec::value("nameattr", None),
    Spec::value("origins", None),
    Spec::flag("help", Some('h')),
];

/** inferno-flamegraph's options flame does not take: each with why and what to use instead. */
const REFUSED: &[(&str, &str)] = &[
    ("cp", "flame keeps no palette.map file: --deterministic (or --hash) colours a function the same in every graph from its name alone"),
    ("colordiffusion", "flame does not colour frames by their width; the frames' widths already say it, and --palette picks the colours"),
    ("nameattr", "flame does not add per-function SVG attributes; search (Ctrl-F) and the tooltip name every frame"),
];

/** A colour as inferno takes it: `#rgb`/`#rrggbb` or a name of letters. */
fn colour(flag: &str, v: Option<&str>) -> Result<Option<String>, Failure> {
    match v {
        None => Ok(None),
        Some(c)
            if (c.starts_with('#')
                && matches!(c.len(), 4 | 7)
                && c[1..].bytes().all(|b| b.is_ascii_hexdigit()))
                || (!c.is_empty() && c.bytes().all(|b| b.is_ascii_alphabetic())) =>
        {
            Ok(Some(c.to_string()))
        }
        Some(c) => Err(usage(format!(
            "{} takes a colour such as #e600e6 or black, not '{}'",
            flag, c
        ))),
    }
}

/** inferno's `--bgcolors`: a gradient by name, or a flat `#rrggbb`. */
fn background(v: Option<&str>) -> Result<Option<(String, String)>, Failure> {
    let pair = |a: &str, b: &str| Ok(Some((a.to_string(), b.to_string())));
    match v {
        None => Ok(None),
        Some("yellow") => pair("#eeeeee", "#eeeeb0"),
        Some("blue") => pair("#eeeeee", "#e0e0ff"),
        Some("green") => pair("#eef2ee", "#e0ffe0"),
        Some("grey") | Some("gray") => pair("#f8f8f8", "#e8e8e8"),
        Some(c) if c.starts_with('#') => {
            let c = colour("--bgcolors", Some(c))?.unwrap_or_default();
            Ok(Some((c.clone(), c)))
        }
        Some(c) => Err(usage(format!(
            "--bgcolors takes yellow, blue, green, grey or a flat #rrggbb, not '{}'",
            c
        ))),
    }
}

/** Where a numeric option's value must lie. */
#[derive(Clone, Copy, PartialEq)]
enum Bound {
    AtLeast(f64),
    AboveZero,
}

/** A numeric option's value, or a usage error that names the option and what it takes. */
fn num(flag: &str, s: Option<&str>, bound: Bound, integer: bool) -> Result<Option<f64>, Failure> {
    let s = match s {
        None => return Ok(None),
        Some(s) => s,
    };
    // A trailing % on --min-width is tolerated, as people write it.
    let digits = if flag == "--min-width" {
        s.strip_suffix('%').unwrap_or(s)
    } else {
        s
    };
    let ok = match digits.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && !(integer && n.fract() != 0.0) => match bound {
            Bound::AtLeast(min) => n >= min,
            Bound::AboveZero => n > 0.0,
        }
        .then_some(n),
        _ => None,
    };
    match ok {
        Some(n) => Ok(Some(n)),
        None => {
            let kind = if integer {
                "a whole number"
            } else {
                "a number"
            };
            let bound = match bound {
                Bound::AboveZero => "above 0".to_string(),
                Bound::AtLeast(min) => format!("of at least {}", fmt_num(min)),
            };
            Err(usage(format!(
                "{} takes {} {}, not '{}'",
                flag, kind, bound, s
            )))
        }
    }
}

fn positive(v: Option<f64>, dflt: f64) -> f64 {
    match v {
        Some(v) if v.is_finite() && v > 0.0 => v,
        _ => dflt,
    }
}

pub fn run(argv: &[String]) -> Result<u8, Failure> {
    let p = parse("svg", SPECS, argv).map_err(usage)?;
    if p.flag("help") {
        write_stdout(HELP.replace("%SVG_OPTIONS%\n", OPTIONS_HELP).as_bytes()).ok();
        return Ok(0);
    }
    for (flag, why) in REFUSED {
        if p.flag(flag) || p.value(flag).is_some() {
            return Err(usage(format!(
                "--{} (inferno-flamegraph's) is not supported: {}",
                flag, why
            )));
        }
    }
    let quiet = p.flag("quiet");
    let warn = |line: &str| {
        if !quiet {
            say(line)
        }
    };
    let palette = p.value("palette").or(p.value("colors"));
    if let Some(pal) = palette {
        if !PALETTES.contains(&pal) {
            return Err(usage(format!(
                "--palette takes one of {}, not '{}'",
                PALETTES.join(", "),
                pal
            )));
        }
    }
    let min_width = num(
        "--min-width",
        p.value("min-width").or(p.value("minwidth")),
        Bound::AtLeast(0.0),
        false,
    )?;
    let width = num(
        "--image-width",
        p.value("image-width").or(p.value("width")),
        Bound::AtLeast(21.0),
        true,
    )?;
    let font_size = num(
        "--font-size",
        p.value("font-size").or(p.value("fontsize")),
        Bound::AtLeast(1.0),
        false,
    )?;
    let font_width = num(
        "--font-width",
        p.value("font-width").or(p.value("fontwidth")),
        Bound::AboveZero,
        false,
    )?;
    let frame_height = num(
        "--frame-height",
        p.value("frame-height").or(p.value("height")),
        Bound::AtLeast(1.0),
        true,
    )?;
    let max_frames = num(
        "--max-frames",
        p.value("max-frames"),
        Bound::AtLeast(1.0),
        true,
    )?;
    if let Some(text) = p.value("origins") {
        crate::svg_palette::set_origins(text);
    }
    let factor = num("--factor", p.value("factor"), Bound::AboveZero, false)?;
    let fs = positive(font_size, 12.0);
    let subtitle = p.value("subtitle").map(|s| s.to_string());
    let o = Opts {
        title: p.value("title").map(|s| s.to_string()).unwrap_or_else(|| {
            if p.flag("flamechart") {
                "Flame Chart".into()
            } else {
                "Flame Graph".into()
            }
        }),
        subtitle_height: if subtitle.is_some() { fs * 2.0 } else { 0.0 },
        subtitle,
        inverted: p.flag("inverted"),
        min_width: match min_width {
            Some(v) if v >= 0.0 => v,
            _ => 0.01,
        },
        palette: palette.unwrap_or("hot").to_string(),
        shade: if p.flag("hash") {
            Shade::Hash
        } else if p.flag("deterministic") {
            Shade::Deterministic
        } else {
            Shade::Random
        },
        notes: p.value("notes").unwrap_or("").to_string(),
        image_width: positive(width, 1200.0).max(2.0 * XPAD + 1.0),
        count_name: p.value("countname").unwrap_or("samples").to_string(),
        name_type: p.value("nametype").unwrap_or("Function:").to_string(),
        font_size: fs,
        font_width: positive(font_width, 0.59),
        font_type: p
            .value("font-type")
            .or(p.value("fonttype"))
            .unwrap_or("monospace")
            .to_string(),
        frame_height: positive(frame_height, 16.0),
        search_color: p.value("search-color").unwrap_or("#e600e6").to_string(),
        negate: p.flag("negate"),
        background: background(p.value("bgcolors"))?,
        ui_color: colour("--uicolor", p.value("uicolor"))?,
        stroke_color: colour("--stroke-color", p.value("stroke-color"))?,
        fluid: width.is_none(),
    };

    // Several inputs are read as one stream, as inferno does.
    let files: Vec<String> = if p.positionals.is_empty() {
        vec!["-".into()]
    } else {
        p.positionals.clone()
    };
    let mut b = Builder::new(p.flag("reverse"), p.flag("flamechart"));
    b.base = p.value("base").map(|s| s.to_string());
    b.factor = factor.unwrap_or(1.0);
    let mut carry: Vec<u8> = Vec::new();
    let take = |b: &mut Builder, block: &[u8], carry: &mut Vec<u8>| {
        let mut start = 0;
        if !carry.is_empty() {
            match find_byte(block, b'\n') {
                None => {
                    carry.extend_from_slice(block);
                    return;
                }
                Some(end) => {
                    carry.extend_from_slice(&block[..end]);
                    b.add_line(&String::from_utf8_lossy(carry));
                    carry.clear();
                    start = end + 1;
                }
            }
        }
        let last = match block[start..].iter().rposition(|&c| c == b'\n') {
            Some(i) => start + i + 1,
            None => start,
        };
        // Whole lines: valid UTF-8 (the usual case) is checked once for all of them.
        match std::str::from_utf8(&block[start..last]) {
            Ok(text) => {
                let mut p = 0;
                while let Some(i) = find_byte(&text.as_bytes()[p..], b'\n') {
                    b.add_line(&text[p..p + i]);
                    p += i + 1;
                }
            }
            Err(_) => {
                let mut p = start;
                while let Some(i) = find_byte(&block[p..last], b'\n') {
                    b.add_line(&String::from_utf8_lossy(&block[p..p + i]));
                    p += i + 1;
                }
            }
        }
        carry.extend_from_slice(&block[last..]);
    };
    for f in &files {
        for_each_block(f, false, |block| take(&mut b, block, &mut carry))
            .map_err(|e| bad_input(e.0))?;
        // Each input is decoded on its own: a character cut at the end of one becomes U+FFFD
        // rather than joining the next.
        if !carry.is_empty() && std::str::from_utf8(&carry).is_err() {
            carry = String::from_utf8_lossy(&carry).into_owned().into_bytes();
        }
        // An input that does not end in a newline must not run into the next one.
        take(&mut b, b"\n", &mut carry);
    }
    if !carry.is_empty() {
        b.add_line(&String::from_utf8_lossy(&carry));
    }
    let tree = b.finish();
    if tree.malformed > 0 {
        warn(&format!(
            "warning: skipped {} malformed {} (want \"frame;frame COUNT\"), the first: {}",
            tree.malformed,
            if tree.malformed == 1 { "line" } else { "lines" },
            json_string(tree.first_malformed.as_deref().unwrap_or(""))
        ));
    }
    if tree.notes.bad > 0 {
        warn(&format!(
            "warning: skipped {} flame {} that did not read (want \"# flame: within-noise NAME\" or \"# flame: band DEPTH TEXT\" after a stack), the first: {}",
            tree.notes.bad,
            if tree.notes.bad == 1 { "note" } else { "notes" },
            json_string(tree.notes.first_bad.as_deref().unwrap_or(""))
        ));
    }
    if tree.fractional {
        warn("warning: fractional counts were truncated to whole numbers");
    }
    let l = layout(&tree, o.min_width);
    if let Some(max) = max_frames {
        if l.frames() as f64 > max {
            // The caller words its own advice; these numbers are what it needs (svg-guard.ts).
            say(&format!("error: the flame graph would draw {} frames, up to {} deep, more than --max-frames {}; no SVG was written", l.frames(), l.max_depth, fmt_num(max)));
            return Ok(TOO_MANY_FRAMES);
        }
    }
    if p.flag("verbose") {
        say(&format!(
            "flame svg: {} {} in all, {} frames drawn, up to {} deep",
            fmt_num(tree.total),
            o.count_name,
            l.frames(),
            l.max_depth
        ));
    }
    let out = write_svg(&tree, &o, &l);
    write_stdout(&out).map_err(|e| {
        bad_input(format!(
            "cannot write the output: {}",
            crate::input::reason(&e)
        ))
    })?;
    if tree.total <= 0.0 {
        say("error: No stack counts found in the input (the SVG written says so)");
        return Ok(1);
    }
    Ok(0)
}
