// What the engine tells the renderer beside the stacks, in lines that inferno-flamegraph takes
// for comments (`# flame: ...`): which frames changed only within noise in a differential graph,
// and the share band of a frame in a profile's tooltip. The engine decides both (its noise rules,
// engine/query/); the renderer only draws what it is told.
use crate::util::FxMap;
use std::collections::HashSet;

#[derive(Default)]
pub struct Notes {
    /** Names whose change is within noise: drawn grey, and said so in the tooltip. */
    pub within_noise: HashSet<String>,
    /** A node's band, the text after its share in the tooltip ("±0.80, 5 runs"). */
    pub bands: FxMap<u32, String>,
    /** Lines that did not read as a note, and the first of them. */
    pub bad: u64,
    pub first_bad: Option<String>,
}

impl Notes {
    /**
     * One note, the text after `# flame: `: `within-noise NAME`, or `band DEPTH TEXT` for the
     * frame at DEPTH (1 is the stack's first frame) of the stack line before it, whose nodes,
     * root first, are `path`.
     */
    pub fn read(&mut self, note: &str, path: &[u32]) {
        if let Some(name) = note.strip_prefix("within-noise ") {
            self.within_noise.insert(name.to_string());
            return;
        }
        if let Some(rest) = note.strip_prefix("band ") {
            if let Some((depth, text)) = rest.split_once(' ') {
                if let Ok(d) = depth.parse::<usize>() {
                    if d >= 1 && d < path.len() && !text.is_empty() {
                        self.bands.insert(path[d], text.to_string());
                        return;
                    }
                }
            }
        }
        if self.bad == 0 {
            self.first_bad = Some(format!("# flame: {}", note));
        }
        self.bad += 1;
    }
}
