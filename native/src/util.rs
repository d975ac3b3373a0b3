// Byte-string helpers, the number and string formats of the output, and a fast hasher: the small
// pieces that fold and svg share.
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
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| &hay[i..i + needle.len()] == needle)
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

/** A line on stderr; a closed stderr is not worth dying for. */
pub fn say(line: &str) {
    use std::io::Write;
    let mut e = std::io::stderr().lock();
    let _ = e
        .write_all(line.as_bytes())
        .and_then(|_| e.write_all(b"\n"));
}

/** A string as a JSON string literal: the SVG's embedded settings, and input quoted in warnings. */
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

/**
 * A number as the output writes it: integers without a fraction or exponent, other values in
 * the shortest form that reads back as the same double (test/golden holds the format).
 */
pub fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() < 9007199254740992.0 && v.fract() == 0.0 {
        return format!("{}", v as i64);
    }
    format!("{}", v)
}

/** Rounding to the nearest integer, halves up: how the SVG rounds its coordinates and percentages. */
pub fn round_half_up(v: f64) -> f64 {
    let f = v.floor();
    if v - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
}

/** `v` with `places` decimals, rounded half up; the SVG's coordinates and percentages. */
pub fn fixed(v: f64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let scaled = round_half_up(v * scale as f64);
    if !(scaled >= 0.0 && scaled < 9007199254740992.0) {
        return format!("{:.*}", places as usize, v);
    }
    let scaled = scaled as u64;
    let frac = format!("{:0width$}", scaled % scale, width = places as usize);
    format!("{}.{}", scaled / scale, frac)
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
    fn numbers_as_the_output_writes_them() {
        assert_eq!(fmt_num(1200.0), "1200");
        assert_eq!(fmt_num(0.01), "0.01");
        assert_eq!(fmt_num(0.59), "0.59");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_num(18446744073709551616.0), "18446744073709552000");
        assert_eq!(fixed(24.0, 2), "24.00");
        assert_eq!(fixed(0.125, 2), "0.13");
        assert_eq!(fixed(110.5, 2), "110.50");
        assert_eq!(fixed(3.00004, 4), "3.0000");
        assert_eq!(round_half_up(2.5), 3.0);
        assert_eq!(round_half_up(0.49999999999999994), 0.0);
        assert_eq!(json_string("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }
}
