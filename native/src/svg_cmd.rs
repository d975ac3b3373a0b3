// `flame svg`: the options as commands/svg.ts checks them, the inputs read as one stream of
// folded lines into a tree, the warnings, and the SVG (svg.rs) on stdout.
use crate::args::{parse, Spec};
use crate::input::{for_each_block, write_stdout};
use crate::svg::{write_svg, Opts, XPAD};
use crate::svg_palette::{Shade, PALETTES};
use crate::svg_tree::Builder;
use crate::util::{find_byte, js_num, js_number, js_trim, json_string, say};
use crate::{bad_input, usage, Failure};

const SPECS: &[Spec] = &[
    Spec { long: "title", short: None, takes_value: true },
    Spec { long: "subtitle", short: None, takes_value: true },
    Spec { long: "inverted", short: Some('i'), takes_value: false },
    Spec { long: "reverse", short: None, takes_value: false },
    Spec { long: "min-width", short: None, takes_value: true },
    Spec { long: "minwidth", short: None, takes_value: true },
    Spec { long: "palette", short: None, takes_value: true },
    Spec { long: "colors", short: Some('c'), takes_value: true },
    Spec { long: "deterministic", short: None, takes_value: false },
    Spec { long: "hash", short: None, takes_value: false },
    Spec { long: "flamechart", short: None, takes_value: false },
    Spec { long: "notes", short: None, takes_value: true },
    Spec { long: "image-width", short: None, takes_value: true },
    Spec { long: "width", short: None, takes_value: true },
    Spec { long: "countname", short: None, takes_value: true },
    Spec { long: "nametype", short: None, takes_value: true },
    Spec { long: "font-size", short: None, takes_value: true },
    Spec { long: "fontsize", short: None, takes_value: true },
    Spec { long: "font-width", short: None, takes_value: true },
    Spec { long: "fontwidth", short: None, takes_value: true },
    Spec { long: "font-type", short: None, takes_value: true },
    Spec { long: "fonttype", short: None, takes_value: true },
    Spec { long: "frame-height", short: None, takes_value: true },
    Spec { long: "height", short: None, takes_value: true },
    Spec { long: "help", short: Some('h'), takes_value: false },
];

/** A numeric flag checked as svgOptionsFromFlags checks it. */
fn num(flag: &str, s: Option<&str>, min: f64, integer: bool) -> Result<Option<f64>, Failure> {
    let s = match s {
        None => return Ok(None),
        Some(s) => s,
    };
    let n = js_number(if flag == "--min-width" { s.strip_suffix('%').unwrap_or(s) } else { s });
    if js_trim(s).is_empty() || !n.is_finite() || n < min || (integer && n.fract() != 0.0) {
        let kind = if integer { "a whole number" } else { "a number" };
        let bound = if min == MIN_VALUE { "above 0".to_string() } else { format!("of at least {}", js_num(min)) };
        return Err(usage(format!("{} takes {} {}, not '{}'", flag, kind, bound, s)));
    }
    Ok(Some(n))
}

/** The smallest positive double (JavaScript's Number.MIN_VALUE). */
const MIN_VALUE: f64 = f64::MIN_POSITIVE * f64::EPSILON;

fn positive(v: Option<f64>, dflt: f64) -> f64 {
    match v {
        Some(v) if v.is_finite() && v > 0.0 => v,
        _ => dflt,
    }
}

pub fn run(argv: &[String]) -> Result<u8, Failure> {
    let p = parse(SPECS, argv).map_err(|m| usage(format!("{}. Run `flame svg --help` for the options.", m)))?;
    if p.flag("help") {
        write_stdout(crate::help::svg().as_bytes()).ok();
        return Ok(0);
    }
    let palette = p.value("palette").or(p.value("colors"));
    if let Some(pal) = palette {
        if !PALETTES.contains(&pal) {
            return Err(usage(format!("--palette takes one of {}, not '{}'", PALETTES.join(", "), pal)));
        }
    }
    let min_width = num("--min-width", p.value("min-width").or(p.value("minwidth")), 0.0, false)?;
    let width = num("--image-width", p.value("image-width").or(p.value("width")), 21.0, true)?;
    let font_size = num("--font-size", p.value("font-size").or(p.value("fontsize")), 1.0, false)?;
    let font_width = num("--font-width", p.value("font-width").or(p.value("fontwidth")), MIN_VALUE, false)?;
    let frame_height = num("--frame-height", p.value("frame-height").or(p.value("height")), 1.0, true)?;
    let fs = positive(font_size, 12.0);
    let subtitle = p.value("subtitle").map(|s| s.to_string());
    let o = Opts {
        title: p.value("title").map(|s| s.to_string()).unwrap_or_else(|| if p.flag("flamechart") { "Flame Chart".into() } else { "Flame Graph".into() }),
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
        font_type: p.value("font-type").or(p.value("fonttype")).unwrap_or("monospace").to_string(),
        frame_height: positive(frame_height, 16.0),
        search_color: "#e600e6".into(),
    };

    // Several inputs are read as one stream, as inferno does (svg.ts's readInputs).
    let files: Vec<String> = if p.positionals.is_empty() { vec!["-".into()] } else { p.positionals.clone() };
    let mut b = Builder::new(p.flag("reverse"), p.flag("flamechart"));
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
        for_each_block(f, false, |block| take(&mut b, block, &mut carry)).map_err(|e| bad_input(e.0))?;
        // Each input is decoded on its own (svg.ts's decoder per input): a character cut at the
        // end of one becomes U+FFFD rather than joining the next.
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
        say(&format!(
            "warning: skipped {} malformed {} (want \"frame;frame COUNT\"), the first: {}",
            tree.malformed,
            if tree.malformed == 1 { "line" } else { "lines" },
            json_string(tree.first_malformed.as_deref().unwrap_or(""))
        ));
    }
    if tree.fractional {
        say("warning: fractional counts were truncated to whole numbers");
    }
    let out = write_svg(&tree, &o);
    write_stdout(&out).map_err(|e| bad_input(format!("cannot write the output: {}", crate::input::reason(&e))))?;
    if tree.total <= 0.0 {
        say("error: No stack counts found in the input (the SVG written says so)");
        return Ok(1);
    }
    Ok(0)
}

