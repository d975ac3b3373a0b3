// The command line of `flame fold` and `flame svg`: `--name value`, `--name=value`, `-n value`,
// `-nvalue`, grouped short switches (`-iq`), `--` ending the options. A mistake names the
// argument and the command's --help.
use std::collections::HashMap;

pub struct Spec {
    pub long: &'static str,
    pub short: Option<char>,
    pub takes_value: bool,
}

impl Spec {
    /// An option that takes a value (`--title TEXT`, `--title=TEXT`).
    pub const fn value(long: &'static str, short: Option<char>) -> Spec {
        Spec {
            long,
            short,
            takes_value: true,
        }
    }

    /// A flag without a value (`--inverted`).
    pub const fn flag(long: &'static str, short: Option<char>) -> Spec {
        Spec {
            long,
            short,
            takes_value: false,
        }
    }
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
    /** The last value given: a repeated option overrides. */
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.last())
            .map(|s| s.as_str())
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }
}

/** Parse `args` for `command` ("fold", "svg"); the error is the whole message. */
pub fn parse(command: &str, specs: &[Spec], args: &[String]) -> Result<Parsed, String> {
    let help = format!("run `flame {} --help` for the options", command);
    let unknown = |raw: &str| {
        format!(
            "unknown option '{}' for flame {}; {} (a file name starting with '-' goes after '--')",
            raw, command, help
        )
    };
    let missing = |typed: &str| format!("{} needs a value; {}", typed, help);
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
            let typed = format!("--{}", name);
            let spec = specs
                .iter()
                .find(|s| s.long == name && !name.is_empty())
                .ok_or_else(|| unknown(&typed))?;
            if spec.takes_value {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        let v = args.get(i).ok_or_else(|| missing(&typed))?.clone();
                        i += 1;
                        v
                    }
                };
                out.values.entry(spec.long).or_default().push(v);
            } else {
                if inline.is_some() {
                    return Err(format!("{} takes no value; {}", typed, help));
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
                let typed = format!("-{}", c);
                let spec = specs
                    .iter()
                    .find(|s| s.short == Some(c))
                    .ok_or_else(|| unknown(&typed))?;
                if spec.takes_value {
                    let rest: String = chars[k + 1..].iter().collect();
                    let v = if !rest.is_empty() {
                        rest
                    } else {
                        let v = args.get(i).ok_or_else(|| missing(&typed))?.clone();
                        i += 1;
                        v
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

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[Spec] = &[
        Spec::value("title", None),
        Spec::flag("inverted", Some('i')),
        Spec::value("nthreads", Some('n')),
        Spec::flag("quiet", Some('q')),
    ];

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_usual_spellings() {
        let p = parse(
            "svg",
            SPECS,
            &args(&["--title", "a", "--title=b", "-iq", "-n4", "x", "--", "-y"]),
        )
        .ok()
        .unwrap();
        assert_eq!(p.value("title"), Some("b"));
        assert_eq!(p.all("title"), vec!["a", "b"]);
        assert!(p.flag("inverted") && p.flag("quiet"));
        assert_eq!(p.value("nthreads"), Some("4"));
        assert_eq!(p.positionals, vec!["x", "-y"]);
        // A value may start with a dash: the option asked for one.
        assert_eq!(
            parse("svg", SPECS, &args(&["--title", "-t"]))
                .ok()
                .unwrap()
                .value("title"),
            Some("-t")
        );
    }

    #[test]
    fn mistakes_name_the_argument_and_the_help() {
        let e = |a: &[&str]| parse("svg", SPECS, &args(a)).err().unwrap();
        assert_eq!(e(&["--bogus"]), "unknown option '--bogus' for flame svg; run `flame svg --help` for the options (a file name starting with '-' goes after '--')");
        assert!(e(&["-x"]).starts_with("unknown option '-x' for flame svg"));
        assert_eq!(
            e(&["--title"]),
            "--title needs a value; run `flame svg --help` for the options"
        );
        assert_eq!(
            e(&["--quiet=1"]),
            "--quiet takes no value; run `flame svg --help` for the options"
        );
    }
}
