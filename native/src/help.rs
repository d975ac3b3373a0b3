// The commands' help texts, taken from the TypeScript sources at compile time so that there is
// one text to maintain: `const NAME = `...`;` template literals, with the few interpolations
// they use filled in here.
const FOLD_TS: &str = include_str!("../../clients/cli/commands/fold.ts");
const SVG_TS: &str = include_str!("../../clients/cli/commands/svg.ts");

/** The body of `const <name> = `...`;` in `src`, with \` unescaped. */
pub fn template(src: &str, name: &str) -> String {
    let open = format!("const {} = `", name);
    let start = src.find(&open).map(|i| i + open.len()).unwrap_or_else(|| panic!("{} not found in the TypeScript source", name));
    let mut out = String::new();
    let mut chars = src[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().unwrap_or('\\')),
            '`' => return out,
            c => out.push(c),
        }
    }
    panic!("{} is not terminated in the TypeScript source", name)
}

pub fn fold() -> String {
    template(FOLD_TS, "HELP")
}

pub fn svg() -> String {
    let flags = template(SVG_TS, "SVG_HELP").replace("${PALETTES.join(', ')}", &crate::svg_palette::PALETTES.join(", "));
    template(SVG_TS, "HELP").replace("${SVG_HELP}", &flags)
}

#[cfg(test)]
mod tests {
    #[test]
    fn help_texts_have_no_unfilled_interpolation() {
        assert!(!super::fold().contains("${"));
        assert!(!super::svg().contains("${"));
        assert!(super::svg().contains("--palette"));
    }
}
