// Command-line parsing with the rules and messages of Node's util.parseArgs (strict), which the
// TypeScript commands use: `--name value`, `--name=value`, `-n value`, `-nvalue`, grouped short
// booleans (`-qh`), `--` ending the options.
use std::collections::HashMap;

pub struct Spec {
    pub long: &'static str,
    pub short: Option<char>,
    pub takes_value: bool,
}

#[derive(Default)]
pub struct Parsed {
    pub flags: HashMap<&'static str, bool>,
    pub values: HashMap<&'static str, Vec<String>>,
    pub positionals: Vec<String>,
}

impl Parsed {
    pub fn flag(&self, name: &str) -> bool {
        self.flags.get(name).copied().unwrap_or(false)
    }
    /** The last value given (parseArgs keeps the last of a repeated option). */
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.last()).map(|s| s.as_str())
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }
}

/** How parseArgs names an option in its messages: `-n, --nthreads` or `--pid`. */
fn display(spec: &Spec) -> String {
    match spec.short {
        Some(c) => format!("-{}, --{}", c, spec.long),
        None => format!("--{}", spec.long),
    }
}

fn unknown(raw: &str) -> String {
    format!("Unknown option '{}'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- {}", raw, crate::util::json_string(raw))
}

/** The next argument as an option's value; one that starts with a dash is refused as ambiguous. */
fn next_value(args: &[String], i: &mut usize, spec: &Spec, typed: &str) -> Result<String, String> {
    if *i >= args.len() {
        return Err(format!("Option '{} <value>' argument missing", display(spec)));
    }
    let v = &args[*i];
    if v.starts_with('-') && v != "-" {
        let short = if typed.len() == 2 { format!(" or '{}-XYZ'", typed) } else { String::new() };
        return Err(format!(
            "Option '{}' argument is ambiguous.\nDid you forget to specify the option argument for '{}'?\nTo specify an option argument starting with a dash use '--{}=-XYZ'{}.",
            typed, typed, spec.long, short
        ));
    }
    *i += 1;
    Ok(v.clone())
}

pub fn parse(specs: &[Spec], args: &[String]) -> Result<Parsed, String> {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.positionals.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.find('=') {
                Some(eq) => (&body[..eq], Some(body[eq + 1..].to_string())),
                None => (body, None),
            };
            let raw = if name.is_empty() { a.clone() } else { format!("--{}", name) };
            let spec = specs.iter().find(|s| s.long == name && !name.is_empty()).ok_or_else(|| unknown(&raw))?;
            if spec.takes_value {
                let v = match inline {
                    Some(v) => v,
                    None => next_value(args, &mut i, spec, &raw)?,
                };
                out.values.entry(spec.long).or_default().push(v);
            } else {
                if inline.is_some() {
                    return Err(format!("Option '{}' does not take an argument", display(spec)));
                }
                out.flags.insert(spec.long, true);
            }
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                let spec = specs.iter().find(|s| s.short == Some(c)).ok_or_else(|| unknown(&format!("-{}", c)))?;
                if spec.takes_value {
                    let rest: String = chars[k + 1..].iter().collect();
                    let v = if !rest.is_empty() { rest } else { next_value(args, &mut i, spec, &format!("-{}", c))? };
                    out.values.entry(spec.long).or_default().push(v);
                    break;
                }
                out.flags.insert(spec.long, true);
                k += 1;
            }
            continue;
        }
        out.positionals.push(a.clone());
    }
    Ok(out)
}
