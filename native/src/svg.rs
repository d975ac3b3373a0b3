// A merged tree to a self-contained, interactive flame graph SVG: inferno-flamegraph's layout and
// fg:x/fg:w attributes, so tools that read those read flame's graphs. The stylesheet and the
// script that zooms and searches are assets (native/assets), built in.
use crate::svg_palette::{
    background_for, delta_rgb, display_name, frame_rgb, Rng, Shade, NOISE_GREY,
};
use crate::svg_tree::Tree;
use crate::util::{fixed, fmt_num, json_string, round_half_up};

const STYLE: &str = include_str!("../assets/svg-style.css");
const SCRIPT: &str = include_str!("../assets/svg-script.js");

pub const XPAD: f64 = 10.0;
const FRAMEPAD: f64 = 1.0;

/** The drawing options, resolved. */
pub struct Opts {
    pub title: String,
    pub subtitle: Option<String>,
    pub subtitle_height: f64,
    pub inverted: bool,
    pub min_width: f64,
    pub palette: String,
    pub shade: Shade,
    pub notes: String,
    pub image_width: f64,
    pub count_name: String,
    pub name_type: String,
    pub font_size: f64,
    pub font_width: f64,
    pub font_type: String,
    pub frame_height: f64,
    pub search_color: String,
    /** A differential graph's deltas as BEFORE − AFTER: red for shrink, blue for growth. */
    pub negate: bool,
    /** inferno's `--bgcolors`: the background's two gradient stops (one colour twice for a flat one). */
    pub background: Option<(String, String)>,
    /** inferno's `--uicolor`: the colour of the search, reset-zoom and matched texts. */
    pub ui_color: Option<String>,
    /** inferno's `--stroke-color`: an outline round every frame. */
    pub stroke_color: Option<String>,
    /** No `--image-width`: opened on its own, the graph fills the window's width, as inferno's does. */
    pub fluid: bool,
}

/** Escape text for XML content and attributes; characters XML 1.0 forbids become U+FFFD. */
fn escape_xml(s: &str) -> String {
    if !s
        .bytes()
        .any(|c| matches!(c, b'&' | b'<' | b'>' | b'"') || is_forbidden(c as u32))
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if is_forbidden(c as u32) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn is_forbidden(c: u32) -> bool {
    c <= 8 || c == 0x0b || c == 0x0c || (0x0e..=0x1f).contains(&c)
}

/** An XML comment may not hold "--" nor end with "-". */
fn comment_safe(s: &str) -> String {
    let cleaned: Vec<char> = s
        .chars()
        .map(|c| {
            if is_forbidden(c as u32) {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in cleaned.iter().enumerate() {
        out.push(c);
        if c == '-' && (i + 1 == cleaned.len() || cleaned[i + 1] == '-') {
            out.push(' ');
        }
    }
    out
}

fn cdata_safe(s: &str) -> String {
    s.replace("]]>", "]]\\u003e")
}

fn header(o: &Opts, height: f64) -> String {
    let w = fmt_num(o.image_width);
    let h = fmt_num(height);
    format!(
        "<?xml version=\"1.0\" standalone=\"no\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg version=\"1.1\" width=\"{w}\" height=\"{h}\" onload=\"init(evt)\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:fg=\"http://github.com/jonhoo/inferno\">\n<!-- Flame graph rendered by flame. Frame widths are proportional to sample counts; fg:x and fg:w hold them. -->\n<!-- NOTES: {} -->\n",
        comment_safe(&o.notes)
    )
}

fn text(id: &str, x: &str, y: f64, content: &str, extra: &str) -> String {
    format!(
        "<text id=\"{}\"{} x=\"{}\" y=\"{}\">{}</text>\n",
        id,
        extra,
        x,
        fixed(y, 2),
        escape_xml(content)
    )
}

fn prelude(o: &Opts, height: f64, ypad1: f64, ypad2: f64, idle: &str) -> String {
    let (bg1, bg2) = match &o.background {
        Some((a, b)) => (a.as_str(), b.as_str()),
        None => background_for(&o.palette),
    };
    let mut style = STYLE.to_string();
    if let Some(c) = &o.ui_color {
        style.push_str(&format!(
            "#title, #subtitle, #details, #search, #unzoom, #matched {{ fill:{}; }}\n",
            c
        ));
    }
    if let Some(c) = &o.stroke_color {
        style.push_str(&format!(
            "#frames > g > rect {{ stroke:{}; stroke-width:1; }}\n",
            c
        ));
    }
    let fs = o.font_size;
    let w = o.image_width;
    let cfg = format!(
        "{{\"nametype\":{},\"fontsize\":{},\"fontwidth\":{},\"inverted\":{},\"searchcolor\":{},\"fluid\":{}}}",
        json_string(&o.name_type),
        fmt_num(fs),
        fmt_num(o.font_width),
        o.inverted,
        json_string(&o.search_color),
        o.fluid
    );
    let font = if matches!(
        o.font_type.as_str(),
        "serif" | "sans-serif" | "monospace" | "cursive" | "fantasy"
    ) {
        o.font_type.clone()
    } else {
        json_string(&o.font_type)
    };
    let bottom = height - ypad2 / 2.0;
    let mut out = String::new();
    out.push_str(&format!("<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\"><stop stop-color=\"{}\" offset=\"5%\"/><stop stop-color=\"{}\" offset=\"95%\"/></linearGradient></defs>\n", bg1, bg2));
    out.push_str(&format!("<style type=\"text/css\"><![CDATA[\ntext {{ font-family:{}; font-size:{}px; }}\n#title {{ font-size:{}px; }}\n{}]]></style>\n", cdata_safe(&font), fmt_num(fs), fmt_num(fs + 5.0), style));
    out.push_str(&format!(
        "<script type=\"text/ecmascript\"><![CDATA[\nvar flameCfg = {};\n{}]]></script>\n",
        cdata_safe(&cfg),
        SCRIPT
    ));
    out.push_str(&format!(
        "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"{}\" fill=\"url(#background)\"/>\n",
        fmt_num(height)
    ));
    out.push_str(&text("title", "50%", fs * 2.0, &o.title, ""));
    if let Some(sub) = &o.subtitle {
        out.push_str(&text("subtitle", "50%", fs * 4.0, sub, ""));
    }
    let xpad = fmt_num(XPAD);
    let right = fmt_num(w - XPAD);
    let low = if o.inverted { ypad1 - fs } else { bottom };
    out.push_str(&text("details", &xpad, low, idle, ""));
    out.push_str(&text(
        "unzoom",
        &xpad,
        fs * 2.0,
        "Reset Zoom",
        " class=\"hide\"",
    ));
    out.push_str(&text("search", &right, fs * 2.0, "Search", ""));
    out.push_str(&text("matched", &right, low, " ", ""));
    out
}

fn empty_svg(o: &Opts) -> String {
    let height = o.font_size * 5.0;
    format!(
        "{}<rect x=\"0\" y=\"0\" width=\"100%\" height=\"{}\" fill=\"#f8f8f8\"/>\n<text x=\"50%\" y=\"{}\" text-anchor=\"middle\" font-family=\"{}\" font-size=\"{}\">ERROR: No stack counts found</text>\n</svg>\n",
        header(o, height),
        fmt_num(height),
        fixed(o.font_size * 2.0, 2),
        escape_xml(&o.font_type),
        fmt_num(o.font_size + 5.0)
    )
}

/** The frames' numbers, written without a String each: the bulk of a big graph. */
struct Out(Vec<u8>);

impl Out {
    fn digits(&mut self, n: f64) {
        // Below 2^53 a count is an exact integer; past it, the shortest form of the double.
        if !(n >= 0.0 && n < 9007199254740992.0) {
            self.0.extend_from_slice(fmt_num(n).as_bytes());
            return;
        }
        self.int(n as u64);
    }
    fn int(&mut self, mut v: u64) {
        let mut tmp = [0u8; 20];
        let mut k = tmp.len();
        loop {
            k -= 1;
            tmp[k] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.0.extend_from_slice(&tmp[k..]);
    }
    /** `v` with `places` decimals, rounded half up, as util::fixed. */
    fn fixed(&mut self, v: f64, places: u32) {
        let scale = 10u64.pow(places);
        let scaled = round_half_up(v * scale as f64);
        if !(scaled >= 0.0 && scaled < 9007199254740992.0) {
            self.0.extend_from_slice(fixed(v, places).as_bytes());
            return;
        }
        let scaled = scaled as u64;
        self.int(scaled / scale);
        self.0.push(b'.');
        let frac = scaled % scale;
        let mut div = scale / 10;
        while div > 0 {
            self.0.push(b'0' + ((frac / div) % 10) as u8);
            div /= 10;
        }
    }
    fn thousands(&mut self, n: f64) {
        if !(n >= 0.0 && n < 1e21) {
            // An exponent ("1.5e+21") takes no separators.
            self.0.extend_from_slice(fmt_num(n).as_bytes());
            return;
        }
        let start = self.0.len();
        self.digits(n);
        let ds: Vec<u8> = self.0.split_off(start);
        let len = ds.len();
        for (i, &d) in ds.iter().enumerate() {
            if i > 0 && (len - i) % 3 == 0 {
                self.0.push(b',');
            }
            self.0.push(d);
        }
    }
    fn rgb(&mut self, c: u32) {
        self.0.extend_from_slice(b"rgb(");
        self.digits((c >> 16) as f64);
        self.0.push(b',');
        self.digits(((c >> 8) & 255) as f64);
        self.0.push(b',');
        self.digits((c & 255) as f64);
        self.0.push(b')');
    }
}

struct NameInfo {
    shown: String,
    esc: String,
    /** UTF-16 length of `shown`. */
    units: usize,
    color: Option<u32>,
}

/** The frames to draw, in pre-order with their depth and x (in samples), and the deepest one. */
pub struct Layout {
    order: Vec<(u32, usize, f64)>,
    pub max_depth: usize,
    /** Frames left out for being narrower than min-width (their callees not counted). */
    omitted: u64,
}

impl Layout {
    /** Frames drawn, the "all" root included. */
    pub fn frames(&self) -> usize {
        self.order.len()
    }
}

pub fn layout(tree: &Tree, min_width: f64) -> Layout {
    let mut l = Layout {
        order: Vec::new(),
        max_depth: 0,
        omitted: 0,
    };
    let total = tree.total;
    if total <= 0.0 {
        return l;
    }
    let min_samples = (min_width / 100.0) * total;
    let mut todo: Vec<(u32, usize, f64)> = vec![(0, 0, 0.0)];
    while let Some((id, d, x)) = todo.pop() {
        l.order.push((id, d, x));
        l.max_depth = l.max_depth.max(d);
        let n = &tree.nodes[id as usize];
        let mut end = x + n.total - n.self_;
        for &k in n.children.iter().rev() {
            let c = &tree.nodes[k as usize];
            end -= c.total;
            if c.total < min_samples || c.total <= 0.0 {
                if c.total > 0.0 {
                    l.omitted += 1;
                }
                continue;
            }
            todo.push((k, d + 1, end));
        }
    }
    l
}

pub fn write_svg(tree: &Tree, o: &Opts, l: &Layout) -> Vec<u8> {
    let total = tree.total;
    if total <= 0.0 {
        return empty_svg(o).into_bytes();
    }
    let (order, max_depth, omitted) = (&l.order, l.max_depth, l.omitted);

    let fs = o.font_size;
    let ypad1 = if o.inverted {
        fs * 4.0 + o.subtitle_height + 4.0
    } else {
        fs * 3.0 + o.subtitle_height
    };
    let ypad2 = if o.inverted {
        fs + 10.0
    } else {
        fs * 2.0 + 10.0
    };
    let height = (max_depth as f64 + 1.0) * o.frame_height + ypad1 + ypad2;
    let frames_width = o.image_width - 2.0 * XPAD;
    let idle = if omitted > 0 {
        format!(
            "{} {} narrower than {}% of the total omitted",
            omitted,
            if omitted == 1 { "frame" } else { "frames" },
            fmt_num(o.min_width)
        )
    } else {
        " ".into()
    };

    let mut out = Out(Vec::with_capacity(order.len() * 200 + 16384));
    out.0.extend_from_slice(header(o, height).as_bytes());
    out.0
        .extend_from_slice(prelude(o, height, ypad1, ypad2, &idle).as_bytes());
    out.0.extend_from_slice(
        format!(
            "<svg id=\"frames\" x=\"{}\" width=\"{}\" total_samples=\"{}\">\n",
            fmt_num(XPAD),
            fmt_num(frames_width),
            fmt_num(total)
        )
        .as_bytes(),
    );

    let rect_height = o.frame_height - FRAMEPAD;
    let mut y_rect: Vec<String> = Vec::with_capacity(max_depth + 1);
    let mut y_text: Vec<String> = Vec::with_capacity(max_depth + 1);
    for d in 0..=max_depth {
        let y1 = if o.inverted {
            ypad1 + d as f64 * o.frame_height
        } else {
            height - ypad2 - (d as f64 + 1.0) * o.frame_height + FRAMEPAD
        };
        y_rect.push(fmt_num(y1));
        y_text.push(fixed(3.0 + y1 + rect_height / 2.0, 2));
    }
    let mut infos: Vec<Option<NameInfo>> = (0..=tree.names.len()).map(|_| None).collect();
    let pct_per_sample = 100.0 / total;
    let chars_per_pct = frames_width / 100.0 / (fs * o.font_width);
    let text_shift = 300.0 / frames_width;
    let unit = format!(" {}, ", escape_xml(&o.count_name));
    let height_fill = format!("%\" height=\"{}\" fill=\"", fmt_num(rect_height));
    let random = o.shade == Shade::Random;
    let mut rng = Rng::new();

    for &(id, d, x) in order {
        let n = &tree.nodes[id as usize];
        let w = n.total;
        let name = &tree.names[n.name as usize];
        // The root has a slot of its own: a frame elsewhere may have an empty name too.
        let slot = if id == 0 {
            tree.names.len()
        } else {
            n.name as usize
        };
        let info = infos[slot].get_or_insert_with(|| {
            let shown = if id == 0 {
                "all".to_string()
            } else {
                display_name(name).to_string()
            };
            let esc = escape_xml(&shown);
            let units = if shown.is_ascii() {
                shown.len()
            } else {
                shown.encode_utf16().count()
            };
            let color = if random {
                None
            } else {
                Some(frame_rgb(&o.palette, name, o.shade, &mut rng))
            };
            NameInfo {
                shown,
                esc,
                units,
                color,
            }
        });
        let x_pct = x * pct_per_sample;
        let w_pct = w * pct_per_sample;
        let delta = tree.delta.get(id as usize).copied().flatten();
        let delta = delta.map(|d| if o.negate { -d } else { d });
        let within_noise =
            delta.is_some_and(|d| d != 0.0) && tree.notes.within_noise.contains(name.as_str());
        let band = tree.notes.bands.get(&id);
        let b = &mut out;
        b.0.extend_from_slice(b"<g><title>");
        b.0.extend_from_slice(info.esc.as_bytes());
        b.0.extend_from_slice(b" (");
        b.thousands(w);
        b.0.extend_from_slice(unit.as_bytes());
        if d == 0 {
            b.0.extend_from_slice(b"100");
        } else if delta.is_some() {
            // inferno's own formatting of a differential frame's numbers.
            b.0.extend_from_slice(format!("{:.2}", 100.0 * w / total).as_bytes());
        } else {
            b.fixed(100.0 * (w / total), 2);
        }
        b.0.push(b'%');
        if let Some(text) = band {
            b.0.push(b' ');
            b.0.extend_from_slice(escape_xml(text).as_bytes());
        }
        match delta {
            Some(x) if d > 0 => {
                if x == 0.0 {
                    b.0.extend_from_slice(b"; 0.00%");
                } else {
                    b.0.extend_from_slice(format!("; {:+.2}%", 100.0 * x / total).as_bytes());
                }
                if within_noise {
                    b.0.extend_from_slice(b", within noise");
                }
            }
            _ => {}
        }
        b.0.extend_from_slice(b")</title><rect x=\"");
        b.fixed(x_pct, 4);
        b.0.extend_from_slice(b"%\" y=\"");
        b.0.extend_from_slice(y_rect[d].as_bytes());
        b.0.extend_from_slice(b"\" width=\"");
        b.fixed(w_pct, 4);
        b.0.extend_from_slice(height_fill.as_bytes());
        let color = match (delta, info.color) {
            _ if name == "--" || name == "-" => frame_rgb(&o.palette, name, o.shade, &mut rng),
            (Some(_), _) if within_noise => NOISE_GREY,
            (Some(x), _) => delta_rgb(x, tree.delta_max),
            (None, Some(c)) => c,
            (None, None) => frame_rgb(&o.palette, name, o.shade, &mut rng),
        };
        b.rgb(color);
        b.0.extend_from_slice(b"\" fg:x=\"");
        b.digits(x);
        b.0.extend_from_slice(b"\" fg:w=\"");
        b.digits(w);
        b.0.extend_from_slice(b"\"/><text x=\"");
        b.fixed(x_pct + text_shift, 4);
        b.0.extend_from_slice(b"%\" y=\"");
        b.0.extend_from_slice(y_text[d].as_bytes());
        b.0.extend_from_slice(b"\">");
        let fit = (w_pct * chars_per_pct).floor();
        if fit >= 3.0 {
            let fit = fit as usize;
            if info.units < fit {
                b.0.extend_from_slice(info.esc.as_bytes());
            } else {
                if info.esc.len() == info.units {
                    b.0.extend_from_slice(&info.esc.as_bytes()[..fit - 2]);
                } else {
                    let units: Vec<u16> = info.shown.encode_utf16().take(fit - 2).collect();
                    b.0.extend_from_slice(escape_xml(&String::from_utf16_lossy(&units)).as_bytes());
                }
                b.0.extend_from_slice(b"..");
            }
        }
        b.0.extend_from_slice(b"</text></g>\n");
    }
    out.0.extend_from_slice(b"</svg>\n</svg>\n");
    out.0
}
