// How one perf-script stack line becomes frame names (inferno's and stackcollapse-perf.pl's
// rules), on bytes, so that names that are not UTF-8 pass through unchanged.
use crate::util::{contains, find, find_from, is_space, rfind, rfind_byte, trim_space};

pub struct Parts<'a> {
    pub pc: &'a [u8],
    pub rawfunc: &'a [u8],
    pub module: &'a [u8],
}

#[derive(Clone, Copy)]
pub struct Rules {
    pub kernel: bool,
    pub jit: bool,
    pub addrs: bool,
}

/** `  7f53389994d0 func+0x10 (/lib/x.so)` → its parts; None without a `(module)` at the end. */
pub fn stack_line_parts(line: &[u8]) -> Option<Parts<'_>> {
    let mut p = 0;
    while p < line.len() && is_space(line[p]) {
        p += 1;
    }
    let sp = p + line[p..].iter().position(|&c| c == b' ')?;
    let mut pc_end = sp;
    while pc_end > p && is_space(line[pc_end - 1]) {
        pc_end -= 1;
    }
    let rest = &line[sp + 1..];
    let last = rfind_byte(rest, b' ')?;
    let m = &rest[last + 1..];
    if m.len() < 2 || m[0] != b'(' || m[m.len() - 1] != b')' {
        return None;
    }
    let raw = trim_space(&rest[..last]);
    Some(Parts {
        pc: &line[p..pc_end],
        rawfunc: if raw.is_empty() { b" " } else { raw },
        module: &m[1..m.len() - 1],
    })
}

/** Drop a trailing `+0x<hex>` symbol offset. */
pub fn strip_offset(f: &[u8]) -> &[u8] {
    match rfind(f, b"+0x") {
        Some(at) if f[at + 3..].iter().all(|c| c.is_ascii_hexdigit()) => &f[..at],
        _ => f,
    }
}

const RUST_HASH_LENGTH: usize = 17;
const RUST_ESCAPES: [(&[u8], &[u8]); 20] = [
    (b"$SP$", b"@"),
    (b"$BP$", b"*"),
    (b"$RF$", b"&"),
    (b"$LT$", b"<"),
    (b"$GT$", b">"),
    (b"$LP$", b"("),
    (b"$RP$", b")"),
    (b"$C$", b","),
    (b"$u7e$", b"~"),
    (b"$u20$", b" "),
    (b"$u27$", b"'"),
    (b"$u3d$", b"="),
    (b"$u5b$", b"["),
    (b"$u5d$", b"]"),
    (b"$u7b$", b"{"),
    (b"$u7d$", b"}"),
    (b"$u3b$", b";"),
    (b"$u2b$", b"+"),
    (b"$u21$", b"!"),
    (b"$u22$", b"\""),
];

/** Finish a half-demangled legacy Rust symbol (`_$LT$a..B$GT$::f::h0123...`). */
pub fn fix_rust_symbol(s: &[u8]) -> Vec<u8> {
    let n = s.len();
    if n < RUST_HASH_LENGTH
        || s[n - RUST_HASH_LENGTH] != b'h'
        || !s[n - RUST_HASH_LENGTH + 1..]
            .iter()
            .all(|c| c.is_ascii_hexdigit())
    {
        return s.to_vec();
    }
    let mut rest = &s[..n - RUST_HASH_LENGTH];
    if rest.ends_with(b"::") {
        rest = &rest[..rest.len() - 2];
    }
    if rest.starts_with(b"_$") {
        rest = &rest[1..];
    }
    let mut out = Vec::with_capacity(rest.len());
    let mut i = 0;
    while i < rest.len() {
        let c = rest[i];
        if c == b'.' {
            if rest.get(i + 1) == Some(&b'.') {
                out.extend_from_slice(b"::");
                i += 2;
            } else {
                out.push(b'.');
                i += 1;
            }
        } else if c == b'$' {
            match RUST_ESCAPES
                .iter()
                .find(|(pat, _)| rest[i..].starts_with(pat))
            {
                None => {
                    out.extend_from_slice(&rest[i..]);
                    break;
                }
                Some((pat, rep)) => {
                    out.extend_from_slice(rep);
                    i += pat.len();
                }
            }
        } else {
            let mut j = i + 1;
            while j < rest.len() && rest[j] != b'$' && rest[j] != b'.' {
                j += 1;
            }
            out.extend_from_slice(&rest[i..j]);
            i = j;
        }
    }
    out
}

/** `[unknown]` functions are named after their module's file name, when it is known. */
fn with_module_fallback(module: &[u8], func: &[u8], pc: &[u8], addrs: bool) -> Vec<u8> {
    if func != b"[unknown]" {
        return func.to_vec();
    }
    let name: &[u8] = if module == b"[unknown]" {
        if !addrs {
            return func.to_vec();
        }
        b"unknown"
    } else {
        &module[rfind_byte(module, b'/').map_or(0, |i| i + 1)..]
    };
    let mut out = Vec::with_capacity(name.len() + pc.len() + 6);
    out.push(b'[');
    out.extend_from_slice(name);
    if addrs {
        out.extend_from_slice(b" <");
        out.extend_from_slice(pc);
        out.push(b'>');
    }
    out.push(b']');
    out
}

/** `;` made safe and a top-level argument list cut; Go receivers, `(anonymous namespace)` kept. */
fn tidy_generic(mut f: Vec<u8>) -> Vec<u8> {
    for c in f.iter_mut() {
        if *c == b';' {
            *c = b':';
        }
    }
    if !f.contains(&b'(') {
        return f;
    }
    let mut depth: i64 = 0;
    let mut after_dot: isize = -1;
    for i in 0..f.len() {
        match f[i] {
            b'<' | b'{' | b'[' => depth += 1,
            b'>' | b'}' | b']' | b')' => depth -= 1,
            b'(' => {
                if depth == 0
                    && after_dot != i as isize
                    && !f[i..].starts_with(b"(anonymous namespace)")
                {
                    f.truncate(i);
                    return f;
                }
                depth += 1;
            }
            b'.' => after_dot = i as isize + 1,
            _ => {}
        }
    }
    f
}

fn tidy_java(f: Vec<u8>) -> Vec<u8> {
    if f.first() == Some(&b'L') && f.contains(&b'/') {
        f[1..].to_vec()
    } else {
        f
    }
}

pub fn is_kernel_module(m: &[u8]) -> bool {
    if m == b"[unknown]" {
        return false;
    }
    m.first() == Some(&b'[') || m.ends_with(b".ko") || is_vmlinux(m)
}

fn is_vmlinux(m: &[u8]) -> bool {
    match rfind(m, b"vmlinux") {
        None => false,
        Some(at) => m[at..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_'),
    }
}

pub fn is_jit_module(m: &[u8]) -> bool {
    (m.starts_with(b"/tmp/perf-") && m.ends_with(b".map"))
        || (contains(m, b"/jitted-") && m.ends_with(b".so"))
}

pub enum Named {
    /** The line names a process, `(...)`: no frame. */
    Skip,
    /** Outermost first, and the repaired function name (for --skip-after). */
    Frames(Vec<Vec<u8>>, Vec<u8>),
}

/** The frames one stack line contributes (Java `a->b` inlining gives several). */
pub fn frame_names(parts: &Parts, is_java: bool, rules: Rules) -> Named {
    let raw = strip_offset(parts.rawfunc);
    if raw.first() == Some(&b'(') {
        return Named::Skip;
    }
    let raw = fix_rust_symbol(raw);
    let mut frames: Vec<Vec<u8>> = Vec::with_capacity(1);
    let mut start = 0;
    loop {
        let end = find_from(&raw, b"->", start).unwrap_or(raw.len());
        let piece = &raw[start..end];
        let mut f = tidy_generic(with_module_fallback(
            parts.module,
            piece,
            parts.pc,
            rules.addrs,
        ));
        if is_java {
            f = tidy_java(f);
        }
        if !frames.is_empty() {
            if find(&f, b"_[i]").is_none() {
                f.extend_from_slice(b"_[i]");
            }
        } else if rules.kernel && is_kernel_module(parts.module) {
            f.extend_from_slice(b"_[k]");
        } else if rules.jit && is_jit_module(parts.module) && find(&f, b"_[j]").is_none() {
            f.extend_from_slice(b"_[j]");
        }
        frames.push(f);
        if end == raw.len() {
            break;
        }
        start = end + 2;
    }
    Named::Frames(frames, raw)
}
