// Frame colours. Names are hashed and compared as UTF-16 code units: the colours flame's graphs
// have always had (test/golden holds them), whatever the name's script.

pub const PALETTES: [&str; 15] = [
    "hot", "mem", "io", "wakeup", "java", "js", "perl", "rust", "red", "green", "blue", "aqua",
    "yellow", "purple", "orange",
];

#[derive(Clone, Copy, PartialEq)]
pub enum Shade {
    Random,
    Deterministic,
    Hash,
}

#[derive(Clone, Copy)]
enum Basic {
    Hot,
    Mem,
    Io,
    Red,
    Green,
    Blue,
    Aqua,
    Yellow,
    Purple,
    Orange,
}

// Each channel is base + span × one of the three shade values (index 0..2).
type Channel = (f64, f64, usize);

fn shades(b: Basic) -> [Channel; 3] {
    match b {
        Basic::Hot => [(205.0, 50.0, 2), (0.0, 230.0, 0), (0.0, 55.0, 1)],
        Basic::Mem => [(0.0, 0.0, 2), (190.0, 50.0, 1), (0.0, 210.0, 0)],
        Basic::Io => [(80.0, 60.0, 0), (80.0, 60.0, 0), (190.0, 55.0, 1)],
        Basic::Red => [(200.0, 55.0, 0), (50.0, 80.0, 0), (50.0, 80.0, 0)],
        Basic::Green => [(50.0, 60.0, 0), (200.0, 55.0, 0), (50.0, 60.0, 0)],
        Basic::Blue => [(80.0, 60.0, 0), (80.0, 60.0, 0), (205.0, 50.0, 0)],
        Basic::Aqua => [(50.0, 60.0, 0), (165.0, 55.0, 0), (165.0, 55.0, 0)],
        Basic::Yellow => [(175.0, 55.0, 0), (175.0, 55.0, 0), (50.0, 20.0, 0)],
        Basic::Purple => [(190.0, 65.0, 0), (80.0, 60.0, 0), (190.0, 65.0, 0)],
        Basic::Orange => [(190.0, 65.0, 0), (90.0, 65.0, 0), (0.0, 0.0, 0)],
    }
}

pub fn background_for(palette: &str) -> (&'static str, &'static str) {
    match palette {
        "mem" => ("#eef2ee", "#e0ffe0"),
        "io" | "wakeup" => ("#eeeeee", "#e0e0ff"),
        "hot" | "java" | "js" | "perl" | "rust" => ("#eeeeee", "#eeeeb0"),
        _ => ("#f8f8f8", "#e8e8e8"),
    }
}

/** Random shades (the default): xorshift64*, seeded from the clock and the process id. */
pub struct Rng(u64);

impl Rng {
    pub fn new() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Rng((t ^ ((std::process::id() as u64) << 32)) | 1)
    }
    pub fn next(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/** The fill for a frame (its raw name, annotation included) as 0xRRGGBB. */
pub fn frame_rgb(palette: &str, name: &str, mode: Shade, rng: &mut Rng) -> u32 {
    if name == "--" {
        return 0xa0a0a0;
    }
    if name == "-" {
        return 0xc8c8c8;
    }
    let v: [f64; 3] = match mode {
        Shade::Random => [rng.next(), rng.next(), rng.next()],
        Shade::Deterministic => {
            let h = fnv1a(name);
            [
                unit(mix(h, 0x9e3779b9)),
                unit(mix(h, 0x85ebca6b)),
                unit(mix(h, 0xc2b2ae35)),
            ]
        }
        Shade::Hash => {
            let a = similarity(name, false);
            let b = similarity(name, true);
            [a, b, b]
        }
    };
    let ch = shades(basic_for(palette, name));
    let c = |k: usize| (ch[k].0 + ch[k].1 * v[ch[k].2]).trunc() as u32;
    (c(0) << 16) | (c(1) << 8) | c(2)
}

/** A differential frame whose change is within noise (svg_notes.rs): set apart from the greys of `--` and `-`. */
pub const NOISE_GREY: u32 = 0xdcdcdc;

/**
 * A differential frame's fill, inferno's scale: near-white for no change, red for growth and
 * blue for shrink, the deepest at the largest |delta| of the input.
 */
pub fn delta_rgb(delta: f64, max: f64) -> u32 {
    // inferno's integer arithmetic: the division truncates towards zero. 0 ≤ v ≤ max, so the
    // clamp only catches counts so large that 150 × v overflows.
    let c = |v: f64| 100 + ((150.0 * v) / max).trunc().clamp(0.0, 150.0) as u32;
    if delta > 0.0 {
        let c = c(max - delta);
        (255 << 16) | (c << 8) | c
    } else if delta < 0.0 {
        let c = c(max + delta);
        (c << 16) | (c << 8) | 255
    } else {
        0xfafafa
    }
}

/** `_[k]` kernel, `_[j]` jit, `_[i]` inlined, `_[w]` waker: the folders' annotations. */
pub fn annotation(name: &str) -> Option<u8> {
    let b = name.as_bytes();
    let n = b.len();
    if n < 4 || b[n - 1] != b']' || b[n - 4] != b'_' || b[n - 3] != b'[' {
        return None;
    }
    match b[n - 2] {
        a @ (b'k' | b'j' | b'i' | b'w') => Some(a),
        _ => None,
    }
}

/** The name as shown: without its annotation. */
pub fn display_name(name: &str) -> &str {
    if annotation(name).is_some() {
        &name[..name.len() - 4]
    } else {
        name
    }
}

/**
 * Frame origins the caller told (`--origins`): the engine's rule (engine/profile/origin.ts) for
 * the rust palette, which then colours the workspace's crates aqua, dependencies purple, std
 * orange, libc yellow, the kernel red and the unknown blue. Unset, the rust palette goes by name.
 */
static ORIGINS: std::sync::OnceLock<std::collections::HashMap<String, u8>> =
    std::sync::OnceLock::new();

/** Take `--origins`'s value: one "<letter> <name>" line per name, the letter w, d, s, l, k or u. */
pub fn set_origins(text: &str) {
    let map = text
        .lines()
        .filter_map(|l| {
            let (o, name) = l.split_once(' ')?;
            Some((name.to_string(), *o.as_bytes().first()?))
        })
        .collect();
    ORIGINS.set(map).ok();
}

fn origin_basic(name: &str) -> Option<Basic> {
    match ORIGINS.get()?.get(display_name(name))? {
        b'w' => Some(Basic::Aqua),
        b'd' => Some(Basic::Purple),
        b's' => Some(Basic::Orange),
        b'l' => Some(Basic::Yellow),
        b'k' => Some(Basic::Red),
        _ => Some(Basic::Blue),
    }
}

fn basic_for(palette: &str, name: &str) -> Basic {
    if palette == "rust" {
        if let Some(b) = origin_basic(name) {
            return b;
        }
    }
    match palette {
        "hot" | "java" | "perl" | "rust" => {
            match annotation(name) {
                Some(b'k') => return Basic::Orange,
                Some(b'j') => return Basic::Green,
                Some(b'i') => return Basic::Aqua,
                _ => {}
            }
            match palette {
                "hot" => Basic::Hot,
                "java" => java_for(name),
                "perl" => {
                    if name.contains("Perl") || name.contains(".pl") {
                        Basic::Green
                    } else if name.contains("::") {
                        Basic::Yellow
                    } else {
                        Basic::Red
                    }
                }
                _ => rust_for(name),
            }
        }
        "js" => js_for(name),
        "wakeup" => Basic::Aqua,
        "mem" => Basic::Mem,
        "io" => Basic::Io,
        "red" => Basic::Red,
        "green" => Basic::Green,
        "blue" => Basic::Blue,
        "aqua" => Basic::Aqua,
        "yellow" => Basic::Yellow,
        "purple" => Basic::Purple,
        _ => Basic::Orange,
    }
}

fn java_for(name: &str) -> Basic {
    if name.contains("::") || name.starts_with("-[") || name.starts_with("+[") {
        return Basic::Yellow;
    }
    let n = name.strip_prefix('L').unwrap_or(name);
    let upper = n.as_bytes().first().is_some_and(|c| c.is_ascii_uppercase());
    if n.contains('/') || (n.contains('.') && !n.starts_with('[')) || upper {
        Basic::Green
    } else {
        Basic::Red
    }
}

/** String.prototype.trim's whitespace: Unicode White_Space without U+0085, plus U+FEFF. */
fn js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

fn js_for(name: &str) -> Basic {
    if !name.is_empty() && name.chars().all(js_space) {
        return Basic::Green;
    }
    match annotation(name) {
        Some(b'k') => return Basic::Orange,
        Some(b'j') => {
            return if name.contains('/') {
                Basic::Green
            } else {
                Basic::Aqua
            }
        }
        Some(b'i') => return Basic::Aqua,
        _ => {}
    }
    if name.contains("::") {
        return Basic::Yellow;
    }
    if name.contains(':') {
        return Basic::Aqua;
    }
    if let Some(slash) = name.find('/') {
        let path = &name[slash..];
        if path.contains("node_modules/") {
            return Basic::Purple;
        }
        if path.contains(".js") {
            return Basic::Green;
        }
    }
    Basic::Red
}

/** Rust's own library frames (std, core, alloc) apart from the user's crates. */
fn rust_for(name: &str) -> Basic {
    let n = match name.find('`') {
        Some(t) => &name[t + 1..],
        None => name,
    };
    let m = n.strip_prefix('<').unwrap_or(n);
    if m.starts_with("std::") || m.starts_with("core::") || m.starts_with("alloc::") {
        Basic::Orange
    } else if n.contains("::") {
        Basic::Aqua
    } else {
        Basic::Yellow
    }
}

fn fnv1a(s: &str) -> u32 {
    let mut h: u32 = 0x811c9dc5;
    for u in s.encode_utf16() {
        h ^= u as u32;
        h = h.wrapping_mul(0x01000193);
    }
    h
}

fn mix(h: u32, seed: u32) -> u32 {
    let mut h = (h ^ seed).wrapping_mul(0x85ebca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2ae35);
    h ^= h >> 16;
    h
}

fn unit(h: u32) -> f64 {
    h as f64 / 4294967296.0
}

// The first characters weigh most, so `foo_read` and `foo_write` get neighbouring shades.
fn similarity(name: &str, from_end: bool) -> f64 {
    let units: Vec<u16> = name.encode_utf16().collect();
    let mut acc = 0.0;
    let mut total = 0.0;
    let mut w = 1.0;
    let n = units.len().min(8);
    for k in 0..n {
        let c = units[if from_end { units.len() - 1 - k } else { k }] as f64;
        let m = (11 + k) as f64;
        acc += ((c % m) / (m - 1.0)) * w;
        total += w;
        w *= 0.65;
    }
    if total == 0.0 {
        0.5
    } else {
        1.0 - acc / (total + 1.0)
    }
}
