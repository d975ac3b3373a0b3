// Byte-string helpers and JavaScript-compatible formatting: the native commands must print the
// same bytes as the TypeScript ones, so numbers and JSON strings are formatted as V8 does.
use std::hash::{BuildHasherDefault, Hasher};

/** ASCII whitespace as the folder trims it (space, \t \n \v \f \r). */
pub fn is_space(c: u8) -> bool {
    c == b' ' || (9..=13).contains(&c)
}

pub fn trim_space(s: &[u8]) -> &[u8] {
    let mut a = 0;
    let mut b = s.len();
    while a < b && is_space(s[a]) {
        a += 1;
    }
    while b > a && is_space(s[b - 1]) {
        b -= 1;
    }
    &s[a..b]
}

/** First index of `needle` in `hay` at or after `from`. */
pub fn find_from(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from.min(hay.len()));
    }
    if hay.len() < needle.len() || from > hay.len() - needle.len() {
        return None;
    }
    let first = needle[0];
    let last = hay.len() - needle.len();
    let mut i = from;
    while i <= last {
        match hay[i..=last].iter().position(|&c| c == first) {
            None => return None,
            Some(p) => i += p,
        }
        if &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    find_from(hay, needle, 0)
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

/** Last index of `needle` in `hay`. */
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).rev().find(|&i| &hay[i..i + needle.len()] == needle)
}

pub fn rfind_byte(hay: &[u8], c: u8) -> Option<usize> {
    hay.iter().rposition(|&x| x == c)
}

/** First index of byte `c`: eight bytes at a time (the folder's line splitting lives on it). */
#[inline]
pub fn find_byte(hay: &[u8], c: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO.wrapping_mul(c as u64);
    let mut i = 0;
    while i + 8 <= hay.len() {
        let w = u64::from_le_bytes(hay[i..i + 8].try_into().unwrap()) ^ pattern;
        let found = w.wrapping_sub(LO) & !w & HI;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    hay[i..].iter().position(|&x| x == c).map(|p| i + p)
}

/** String.prototype.trim's whitespace: Unicode White_Space without U+0085, plus U+FEFF. */
pub fn js_space(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

pub fn js_trim(s: &str) -> &str {
    s.trim_matches(js_space)
}

/** JavaScript's Number(s) for the option values people write: decimal, exponent, 0x/0o/0b. */
pub fn js_number(s: &str) -> f64 {
    let t = js_trim(s);
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(d) = t.strip_prefix(prefix) {
            if d.is_empty() {
                return f64::NAN;
            }
            let mut v = 0.0f64;
            for c in d.chars() {
                match c.to_digit(radix) {
                    Some(x) => v = v * radix as f64 + x as f64,
                    None => return f64::NAN,
                }
            }
            return v;
        }
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    if t.bytes().any(|c| c.is_ascii_alphabetic() && c != b'e' && c != b'E') {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/** A line on stderr; a closed stderr is not worth dying for. */
pub fn say(line: &str) {
    use std::io::Write;
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(line.as_bytes()).and_then(|_| e.write_all(b"\n"));
}

/** JSON.stringify of a string. */
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/** String(v) for a JavaScript number (shortest round-trip digits; exponent outside [1e-6, 1e21)). */
pub fn js_num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if a >= 1e21 || a < 1e-6 {
        // Rust writes 1e21 / 1.5e-7; JavaScript 1e+21 / 1.5e-7.
        let s = format!("{:e}", v);
        return match s.find('e') {
            Some(i) if !s[i + 1..].starts_with('-') => format!("{}e+{}", &s[..i], &s[i + 1..]),
            _ => s,
        };
    }
    if a < 9007199254740992.0 && v.fract() == 0.0 {
        return format!("{}", v as i64);
    }
    format!("{}", v)
}

/** Math.round: to the nearest integer, halves towards +∞. */
pub fn js_round(v: f64) -> f64 {
    let f = v.floor();
    if v - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
}

/** Number.prototype.toFixed(d) for 0 ≤ v < 1e21: exact, ties away from zero (to the larger n). */
pub fn to_fixed(v: f64, d: usize) -> String {
    if !(v.abs() < 1e21) {
        return js_num(v);
    }
    // Rust rounds the exact value with ties to even; a tie needs v·8 to be an integer (d ≤ 2)
    // or, generally, v to end exactly in a 5 at place d+1. Find ties through the exact digits.
    let v = if v == 0.0 { 0.0 } else { v };
    let s = format!("{:.*}", d, v);
    let exact = format!("{:.*}", d + 60, v);
    let dot = exact.find('.').map(|i| i + 1 + d).unwrap_or(exact.len());
    let tail = &exact[dot..];
    if tail.starts_with('5') && tail[1..].bytes().all(|c| c == b'0') {
        // A tie: JavaScript picks the larger magnitude, the truncated digits plus one unit.
        let lower = exact[..dot].trim_end_matches('.');
        return bump_last_digit(lower);
    }
    s
}

fn bump_last_digit(s: &str) -> String {
    let mut b: Vec<u8> = s.bytes().collect();
    let mut i = b.len();
    loop {
        if i == 0 {
            let neg = b.first() == Some(&b'-');
            b.insert(if neg { 1 } else { 0 }, b'1');
            break;
        }
        i -= 1;
        match b[i] {
            b'.' | b'-' => continue,
            b'9' => b[i] = b'0',
            c => {
                b[i] = c + 1;
                break;
            }
        }
    }
    String::from_utf8(b).unwrap()
}

/** A fast non-cryptographic hasher (the rustc "Fx" scheme) for maps keyed by ids or bytes. */
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut b = bytes;
        while b.len() >= 8 {
            self.add(u64::from_le_bytes(b[..8].try_into().unwrap()));
            b = &b[8..];
        }
        if b.len() >= 4 {
            self.add(u32::from_le_bytes(b[..4].try_into().unwrap()) as u64);
            b = &b[4..];
        }
        for &c in b {
            self.add(c as u64);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;
pub type FxMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_javascript_prints_them() {
        assert_eq!(js_num(1200.0), "1200");
        assert_eq!(js_num(0.01), "0.01");
        assert_eq!(js_num(1e-7), "1e-7");
        assert_eq!(js_num(1.5e21), "1.5e+21");
        assert_eq!(js_num(18446744073709551616.0), "18446744073709552000");
        assert_eq!(js_num(0.59), "0.59");
        assert_eq!(js_num(-0.0), "0");
        assert_eq!(to_fixed(0.125, 2), "0.13");
        assert_eq!(to_fixed(1.005, 2), "1.00");
        assert_eq!(to_fixed(2.5, 0), "3");
        assert_eq!(to_fixed(0.5, 0), "1");
        assert_eq!(to_fixed(9.995, 2), "9.99");
        assert_eq!(to_fixed(9.875, 2), "9.88");
        assert_eq!(to_fixed(99.995, 2), "100.00");
        assert_eq!(js_round(2.5), 3.0);
        assert_eq!(js_round(0.49999999999999994), 0.0);
        assert_eq!(json_string("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }
}
