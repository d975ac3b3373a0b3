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
            let spec = specs.iter().find(|s| s.long == name).ok_or_else(|| format!("Unknown option '--{}'", name))?;
            if spec.takes_value {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        if i >= args.len() {
                            return Err(format!("Option '--{} <value>' argument missing", name));
                        }
                        i += 1;
                        args[i - 1].clone()
                    }
                };
                out.values.entry(spec.long).or_default().push(v);
            } else {
                if inline.is_some() {
                    return Err(format!("Option '--{}' does not take an argument", name));
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
                let spec = specs.iter().find(|s| s.short == Some(c)).ok_or_else(|| format!("Unknown option '-{}'", c))?;
                if spec.takes_value {
                    let rest: String = chars[k + 1..].iter().collect();
                    let v = if !rest.is_empty() {
                        rest
                    } else if i < args.len() {
                        i += 1;
                        args[i - 1].clone()
                    } else {
                        return Err(format!("Option '-{}, --{} <value>' argument missing", c, spec.long));
                    };
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
