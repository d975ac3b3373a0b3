// Folded stacks merged into a call tree. Counts are f64, added in input order: sums past 2^53
// round as they always have. A line with two counts (`stack BEFORE AFTER`, as
// inferno-diff-folded prints) makes the graph differential, read as inferno-flamegraph reads it:
// widths from the second count, and each frame's delta from the line that starts the frame in
// inferno's order (sorted lines; input order in a flame chart): that line's AFTER − BEFORE when
// its stack ends at the frame, 0 when it goes deeper. Lines starting `# flame: ` carry what the
// engine knows and the folded format cannot say (svg_notes.rs); to inferno they are comments.
use crate::svg_notes::Notes;
use crate::util::FxMap;

pub struct Node {
    pub name: u32,
    pub total: f64,
    pub self_: f64,
    pub children: Vec<u32>,
    index: Option<FxMap<u32, u32>>,
    /** A one-count line ended here before any line had two (its place in inferno's order is unknown). */
    plain_end: bool,
}

pub struct Tree {
    pub nodes: Vec<Node>,
    /** Name by id; id 0 is "" (the root's). */
    pub names: Vec<String>,
    pub total: f64,
    pub malformed: u64,
    pub first_malformed: Option<String>,
    pub fractional: bool,
    /** Each node's delta (AFTER − BEFORE) when the input is differential; empty otherwise. */
    pub delta: Vec<Option<f64>>,
    /** The largest |delta| of any line (at least 1): the deepest red or blue. */
    pub delta_max: f64,
    pub notes: Notes,
}

const INDEX_AT: usize = 8;

pub struct Builder {
    reverse: bool,
    chart: bool,
    nodes: Vec<Node>,
    names: Vec<String>,
    name_ids: FxMap<String, u32>,
    /** The previous stack's frame names and node path (path[0] is the root). */
    prev: Vec<u32>,
    path: Vec<u32>,
    /** Without reverse: the previous stack's text and where each of its frames ends. */
    prev_text: Vec<u8>,
    prev_ends: Vec<usize>,
    malformed: u64,
    first_malformed: Option<String>,
    fractional: bool,
    frames: Vec<u32>,
    /** A line with two counts was seen. */
    diff: bool,
    delta_max: f64,
    /**
     * Sorted mode: for each node a line ended at since `diff`, the delta of the one that sorts
     * first (None for a one-count line) and the rest of that line, which decides the order.
     */
    ends: FxMap<u32, (Option<f64>, Box<str>)>,
    /** Flame chart: the delta each node takes from the last line through it, if two-count. */
    started: FxMap<u32, f64>,
    notes: Notes,
    /** inferno's `--base SYMBOL`: only stacks through it, cut so that it is their root. */
    pub base: Option<String>,
    /** inferno's `--factor`: every count multiplied by it. */
    pub factor: f64,
}

fn new_node(name: u32) -> Node {
    Node {
        name,
        total: 0.0,
        self_: 0.0,
        children: Vec::new(),
        index: None,
        plain_end: false,
    }
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r' || c == b'\n'
}

/** The last space in b[start..end], or start − 1. */
fn last_space(b: &[u8], start: usize, end: usize) -> isize {
    let mut sp = end as isize - 1;
    while sp >= start as isize && !is_space(b[sp as usize]) {
        sp -= 1;
    }
    sp
}

/** `end` moved back over spaces, not before `start`. */
fn trim_end(b: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && is_space(b[end - 1]) {
        end -= 1;
    }
    end
}

/**
 * The count at b[i..end]: digits, then an optional '.' and digits (dropped). Its value, how many
 * digits came before the point, where it stopped, and whether a non-zero fraction was dropped.
 */
fn number(b: &[u8], mut i: usize, end: usize) -> (f64, usize, usize, bool) {
    let mut value = 0.0f64;
    let mut digits = 0;
    let mut fraction = false;
    while i < end && b[i].is_ascii_digit() {
        value = value * 10.0 + (b[i] - b'0') as f64;
        digits += 1;
        i += 1;
    }
    if i < end && b[i] == b'.' {
        i += 1;
        while i < end && b[i].is_ascii_digit() {
            fraction |= b[i] != b'0';
            i += 1;
        }
    }
    (value, digits, i, fraction)
}

impl Builder {
    pub fn new(reverse: bool, chart: bool) -> Builder {
        let mut name_ids = FxMap::default();
        name_ids.insert(String::new(), 0);
        Builder {
            reverse,
            chart,
            nodes: vec![new_node(0)],
            names: vec![String::new()],
            name_ids,
            prev: Vec::new(),
            path: vec![0],
            prev_text: Vec::new(),
            prev_ends: Vec::new(),
            malformed: 0,
            first_malformed: None,
            fractional: false,
            frames: Vec::new(),
            diff: false,
            delta_max: 1.0,
            ends: FxMap::default(),
            started: FxMap::default(),
            notes: Notes::default(),
            base: None,
            factor: 1.0,
        }
    }

    /** With `--base`: where the stack's first frame named the base starts, or None to skip the line. */
    fn base_start(&self, stack: &str) -> Option<usize> {
        let base = self.base.as_deref()?;
        let mut at = 0;
        for frame in stack.split(';') {
            if frame == base {
                return Some(at);
            }
            at += frame.len() + 1;
        }
        None
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.name_ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.name_ids.insert(name.to_string(), id);
        id
    }

    /**
     * Add `count` samples of `stack` (frames separated by ';', root first): `delta` is a two-count
     * line's, `rest` the line's text after the stack.
     */
    fn add(&mut self, stack: &str, count: f64, delta: Option<f64>, rest: &str) {
        let mut frames = std::mem::take(&mut self.frames);
        let depth;
        if self.reverse {
            frames.clear();
            for f in stack.split(';') {
                let id = self.intern(f);
                frames.push(id);
            }
            frames.reverse();
            // The frames shared with the previous stack keep their nodes.
            let mut d = 0;
            while d < frames.len() && d < self.prev.len() && frames[d] == self.prev[d] {
                d += 1;
            }
            depth = d;
        } else {
            // Sorted input shares long prefixes: compare the text with the previous stack's and
            // look up only the frames after the shared ones.
            let b = stack.as_bytes();
            let p = &self.prev_text;
            let n = b.len().min(p.len());
            let common = b[..n]
                .iter()
                .zip(&p[..n])
                .position(|(x, y)| x != y)
                .unwrap_or(n);
            let mut d = 0;
            while d < self.prev_ends.len() {
                let e = self.prev_ends[d];
                if e > common || (e < b.len() && b[e] != b';') {
                    break;
                }
                d += 1;
            }
            depth = d;
            frames.truncate(depth);
            self.prev_ends.truncate(depth);
            let mut pos = if depth == 0 {
                0
            } else {
                self.prev_ends[depth - 1] + 1
            };
            if depth == 0 || pos <= b.len() {
                loop {
                    let end = crate::util::find_byte(&b[pos..], b';').map_or(b.len(), |i| pos + i);
                    let id = self.intern(&stack[pos..end]);
                    frames.push(id);
                    self.prev_ends.push(end);
                    if end == b.len() {
                        break;
                    }
                    pos = end + 1;
                }
            }
            self.prev_text.clear();
            self.prev_text.extend_from_slice(b);
        }
        self.path.truncate(depth + 1);
        let mut node = self.path[depth];
        for &f in &frames[depth..] {
            node = self.child(node, f);
            self.path.push(node);
        }
        if !self.chart {
            self.end_at(node, delta, rest);
        } else if self.diff {
            // inferno draws a chart from the last line up: each line through a node stands for
            // it until an earlier one does.
            let leaf = self.path.len() - 1;
            for (k, &n) in self.path.iter().enumerate() {
                match delta {
                    Some(d) => self.started.insert(n, if k == leaf { d } else { 0.0 }),
                    None => self.started.remove(&n),
                };
            }
        }
        self.nodes[node as usize].self_ += count;
        for &n in &self.path {
            self.nodes[n as usize].total += count;
        }
        self.prev.clear();
        self.prev.extend_from_slice(&frames);
        self.frames = frames;
    }

    /**
     * One folded line: blank lines and "# " comments are ignored ("# flame: " notes are read); a line without a numeric
     * trailing count, or with nothing before it, is counted as malformed.
     */
    pub fn add_line(&mut self, line: &str) {
        let b = line.as_bytes();
        let mut end = b.len();
        while end > 0 && is_space(b[end - 1]) {
            end -= 1;
        }
        let mut start = 0;
        while start < end && is_space(b[start]) {
            start += 1;
        }
        if start == end {
            return;
        }
        if b[start] == b'#' && line[start..end].starts_with("# flame: ") {
            self.notes.read(&line[start + 9..end], &self.path);
            return;
        }
        if b[start] == b'#' && b.get(start + 1) == Some(&b' ') {
            return;
        }
        let sp = last_space(b, start, end);
        let (count, digits, i, fraction) = number(b, (sp + 1) as usize, end);
        if fraction {
            self.fractional = true;
        }
        let mut stack_end = trim_end(b, start, sp.max(0) as usize);
        // A count too big for a double (Infinity) is as malformed as a missing one.
        if digits == 0 || i < end || stack_end <= start || !count.is_finite() {
            self.skip(&line[start..end]);
            return;
        }
        // A number before the count, after a stack: `stack BEFORE AFTER`.
        let mut delta = None;
        // Only digits and a point can be one, so a plain line's stack is not scanned to its start.
        let mut sp2 = stack_end as isize - 1;
        while sp2 >= start as isize && (b[sp2 as usize].is_ascii_digit() || b[sp2 as usize] == b'.')
        {
            sp2 -= 1;
        }
        if sp2 >= start as isize && is_space(b[sp2 as usize]) {
            let (before, digits, j, fraction) = number(b, (sp2 + 1) as usize, stack_end);
            let before_stack = trim_end(b, start, sp2 as usize);
            if digits > 0 && j == stack_end && before.is_finite() && before_stack > start {
                if fraction {
                    self.fractional = true;
                }
                delta = Some(count - before);
                stack_end = before_stack;
            }
        }
        if let Some(d) = delta {
            self.diff = true;
            self.delta_max = self.delta_max.max(d.abs());
        }
        let (count, delta) = if self.factor != 1.0 {
            (count * self.factor, delta.map(|d| d * self.factor))
        } else {
            (count, delta)
        };
        let mut start = start;
        if self.base.is_some() {
            match self.base_start(&line[start..stack_end]) {
                Some(at) => start += at,
                None => return,
            }
        }
        if count > 0.0 || delta.is_some() {
            // What follows the stack decides the order of lines of one stack; reversed, inferno
            // puts one space between the stack and the counts.
            let spaced;
            let rest = if self.reverse && self.diff {
                spaced = format!(" {}", line[stack_end..end].trim_start());
                &spaced
            } else {
                &line[stack_end..end]
            };
            self.add(&line[start..stack_end], count, delta, rest);
        }
    }

    /** Sorted mode: a line ended at `node`; keep the delta of the one inferno's sort puts first. */
    fn end_at(&mut self, node: u32, delta: Option<f64>, rest: &str) {
        if !self.diff {
            self.nodes[node as usize].plain_end = true;
            return;
        }
        match self.ends.get_mut(&node) {
            Some(e) if *e.1 <= *rest => {}
            Some(e) => *e = (delta, rest.into()),
            None => {
                self.ends.insert(node, (delta, rest.into()));
            }
        }
    }

    fn child(&mut self, parent: u32, name: u32) -> u32 {
        let p = &self.nodes[parent as usize];
        if self.chart {
            if let Some(&last) = p.children.last() {
                if self.nodes[last as usize].name == name {
                    return last;
                }
            }
        } else if let Some(ix) = &p.index {
            if let Some(&hit) = ix.get(&name) {
                return hit;
            }
        } else if let Some(&hit) = p
            .children
            .iter()
            .find(|&&k| self.nodes[k as usize].name == name)
        {
            return hit;
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(new_node(name));
        let chart = self.chart;
        let p = &mut self.nodes[parent as usize];
        p.children.push(n);
        if chart {
            return n;
        }
        if let Some(ix) = p.index.as_mut() {
            ix.insert(name, n);
        } else if p.children.len() >= INDEX_AT {
            let ix: FxMap<u32, u32> = self.nodes[parent as usize]
                .children
                .iter()
                .map(|&k| (self.nodes[k as usize].name, k))
                .collect();
            self.nodes[parent as usize].index = Some(ix);
        }
        n
    }

    fn skip(&mut self, line: &str) {
        if self.malformed == 0 {
            let units: Vec<u16> = line.encode_utf16().collect();
            // Cut at 200 UTF-16 units, but not inside a surrogate pair.
            let cut = if units.len() > 200 && (0xd800..0xdc00).contains(&units[199]) {
                199
            } else {
                200
            };
            self.first_malformed = Some(if units.len() > 200 {
                format!("{}…", String::from_utf16_lossy(&units[..cut]))
            } else {
                line.to_string()
            });
        }
        self.malformed += 1;
    }

    /** Sort children by name (unless a flame chart) and return the tree. */
    pub fn finish(mut self) -> Tree {
        if !self.chart {
            let ascii: Vec<bool> = self.names.iter().map(|n| n.is_ascii()).collect();
            let names = &self.names;
            for i in 0..self.nodes.len() {
                if self.nodes[i].children.len() > 1 {
                    let mut kids = std::mem::take(&mut self.nodes[i].children);
                    let nodes = &self.nodes;
                    kids.sort_by(|&a, &b| {
                        let (x, y) = (
                            nodes[a as usize].name as usize,
                            nodes[b as usize].name as usize,
                        );
                        if ascii[x] && ascii[y] {
                            names[x].as_bytes().cmp(names[y].as_bytes())
                        } else {
                            js_cmp(&names[x], &names[y])
                        }
                    });
                    self.nodes[i].children = kids;
                }
            }
        }
        let delta = if self.diff { self.deltas() } else { Vec::new() };
        let total = self.nodes[0].total;
        let notes = std::mem::take(&mut self.notes);
        Tree {
            nodes: self.nodes,
            names: self.names,
            total,
            malformed: self.malformed,
            first_malformed: self.first_malformed,
            fractional: self.fractional,
            delta,
            delta_max: self.delta_max,
            notes,
        }
    }

    /**
     * Each node's delta, as inferno gives a frame the one of the line that starts it. In a flame
     * chart, which inferno draws from the last line up, that is the last line through the node. Sorted, the first line through a node is one
     * ending there if any (a space sorts before ';'), else the first through its first child:
     * children come before parents in reverse id order, and are sorted by now.
     */
    fn deltas(&self) -> Vec<Option<f64>> {
        let n = self.nodes.len();
        let mut delta: Vec<Option<f64>> = vec![None; n];
        for id in (0..n).rev() {
            delta[id] = if self.chart {
                self.started.get(&(id as u32)).copied()
            } else if let Some(e) = self.ends.get(&(id as u32)) {
                e.0
            } else if self.nodes[id].plain_end {
                None
            } else {
                match self.nodes[id].children.first() {
                    Some(&k) => delta[k as usize].map(|_| 0.0),
                    None => None,
                }
            };
        }
        delta
    }
}

/** The order of frames among their siblings: UTF-16 code units (differs from byte order only for astral vs U+E000..U+FFFF; test/golden holds it). */
pub fn js_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.as_bytes().cmp(b.as_bytes())
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}
