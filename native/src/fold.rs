// perf-script text → folded stacks: a state machine over the lines of `perf script` output, on
// bytes, with inferno-collapse-perf's rules (test/corpus holds the expected foldings).
use crate::fold_names::{frame_names, stack_line_parts, Named, Rules};
use crate::fold_stacks::StackTable;
use crate::util::{find_byte, is_space, rfind_byte, trim_space, FxMap};

#[derive(Clone)]
pub struct FoldOptions {
    pub pid: bool,
    pub tid: bool,
    pub rules: Rules,
    pub event_filter: Option<Vec<u8>>,
    pub skip_after: Vec<Vec<u8>>,
    pub perl: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Filter {
    Keep,
    Skip,
    SkipRemaining,
}

/** A resolved stack line: one frame, none, a malformed line, or several (index into `many`). */
#[derive(Clone, Copy)]
enum Resolved {
    Frame(u32),
    NoFrame,
    Weird,
    Many(u32),
}

pub struct Folder {
    opts: FoldOptions,
    table: StackTable,
    // Stack line text (after the pc) → resolution, for normal and Java processes.
    cache: FxMap<Box<[u8]>, Resolved>,
    java_cache: FxMap<Box<[u8]>, Resolved>,
    many: Vec<(Vec<u32>, bool)>,

    pub line_no: u64,
    in_event: bool,
    filter: Filter,
    period: Option<f64>,
    pname: u32,
    pname_text: Vec<u8>,
    is_java: bool,
    stack: Vec<u32>,
    prev_ids: Vec<u32>,
    prev_nodes: Vec<u32>,
    prev_root: i64,

    pub stats: Stats,
}

/** What a folder saw besides stacks; merged across the parts of a file folded in parallel. */
#[derive(Default)]
pub struct Stats {
    pub samples: u64,
    pub periods: bool,
    pub malformed: u64,
    /** The first malformed line: its number and its bytes. */
    pub first_bad: Option<(u64, Vec<u8>)>,
    /** The event type being folded, once known. */
    pub event: Option<Vec<u8>>,
    /** The event was picked as the first one seen, not given by the caller. */
    pub event_defaulted: bool,
    pub other_event_samples: u64,
    pub other_events: Vec<String>,
}

impl Folder {
    pub fn new(opts: FoldOptions) -> Folder {
        let event = opts.event_filter.clone();
        Folder {
            opts,
            table: StackTable::new(),
            cache: FxMap::with_capacity_and_hasher(1 << 14, Default::default()),
            java_cache: FxMap::default(),
            many: Vec::new(),
            line_no: 0,
            in_event: false,
            filter: Filter::Keep,
            period: None,
            pname: 0,
            pname_text: Vec::new(),
            is_java: false,
            stack: Vec::with_capacity(256),
            prev_ids: Vec::with_capacity(256),
            prev_nodes: Vec::with_capacity(257),
            prev_root: -2,
            stats: Stats {
                event,
                ..Stats::default()
            },
        }
    }

    /** Feed whole lines; a last line without '\n' is taken as complete. */
    pub fn feed(&mut self, text: &[u8]) {
        let mut pos = 0;
        let n = text.len();
        while pos < n {
            let nl = find_byte(&text[pos..], b'\n').map_or(n, |i| pos + i);
            self.line(&text[pos..nl]);
            pos = nl + 1;
        }
    }

    fn line(&mut self, line: &[u8]) {
        self.line_no += 1;
        if line.first() == Some(&b'#') {
            return;
        }
        let mut e = line.len();
        while e > 0 && is_space(line[e - 1]) {
            e -= 1;
        }
        if e == 0 {
            self.after_event();
        } else if self.in_event {
            self.stack_line(&line[..e]);
        } else {
            self.event_line(&line[..e]);
        }
    }

    /** End of input: a sample not followed by a blank line still counts (not for Perl). */
    pub fn finish(&mut self) {
        if !self.stack.is_empty() && !self.opts.perl {
            self.after_event();
        }
    }

    fn stack_line(&mut self, line: &[u8]) {
        if self.filter != Filter::Keep {
            return;
        }
        // The space after the program counter.
        let mut p = 0;
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        let sp = match find_byte(&line[p..], b' ') {
            Some(i) => p + i,
            None => {
                self.bad(line);
                return;
            }
        };
        // Without --addrs the program counter never reaches a name: the key is what follows it.
        let key = if self.opts.rules.addrs {
            &line[p..]
        } else {
            &line[sp + 1..]
        };
        let cached = if self.is_java {
            self.java_cache.get(key)
        } else {
            self.cache.get(key)
        };
        let r = match cached {
            Some(&r) => r,
            None => {
                let r = self.resolve(line);
                let k: Box<[u8]> = key.into();
                if self.is_java {
                    self.java_cache.insert(k, r);
                } else {
                    self.cache.insert(k, r);
                }
                r
            }
        };
        match r {
            Resolved::Frame(id) => self.stack.push(id),
            Resolved::NoFrame => {}
            Resolved::Weird => self.bad(line),
            Resolved::Many(i) => {
                let (ids, stop) = &self.many[i as usize];
                self.stack.extend(ids.iter().rev());
                if *stop {
                    self.filter = Filter::SkipRemaining;
                }
            }
        }
    }

    fn resolve(&mut self, line: &[u8]) -> Resolved {
        let text = lossy(line);
        let parts = match stack_line_parts(text.as_bytes()) {
            None => return Resolved::Weird,
            Some(p) => p,
        };
        match frame_names(&parts, self.is_java, self.opts.rules) {
            Named::Skip => Resolved::NoFrame,
            Named::Frames(frames, raw) => {
                let ids: Vec<u32> = frames.iter().map(|f| self.table.intern(f)).collect();
                let stop = self.opts.skip_after.iter().any(|s| *s == raw);
                if ids.len() == 1 && !stop {
                    Resolved::Frame(ids[0])
                } else {
                    self.many.push((ids, stop));
                    Resolved::Many(self.many.len() as u32 - 1)
                }
            }
        }
    }

    fn event_line(&mut self, raw: &[u8]) {
        self.in_event = true;
        let text = lossy(raw);
        let line = text.as_bytes();
        let (comm, pid, tid, end) = match event_line_parts(line) {
            None => {
                self.bad(raw);
                self.in_event = false;
                return;
            }
            Some(h) => h,
        };
        // After "comm pid": "time: [period ]event:[ single stack line]".
        let rest = &line[end..];
        let mut post: Option<&[u8]> = None;
        if let Some(c1) = find_byte(rest, b':') {
            let c2 = find_byte(&rest[c1 + 1..], b':').map(|i| c1 + 1 + i);
            let pe = match c2 {
                Some(c2) => &rest[c1 + 1..c2],
                None => &rest[c1 + 1..],
            };
            if let Some(c2) = c2 {
                post = Some(&rest[c2 + 1..]);
            }
            let sp = rfind_byte(pe, b' ');
            let event = &pe[sp.map_or(0, |s| s + 1)..];
            if let Some(sp) = sp {
                let prev = if sp > 0 {
                    rfind_byte(&pe[..sp], b' ')
                } else {
                    None
                };
                self.period = parse_period(&pe[prev.map_or(0, |p| p + 1)..sp]);
            }
            match &self.stats.event {
                None => {
                    self.stats.event = Some(event.to_vec());
                    self.stats.event_defaulted = true;
                }
                Some(e) if e.as_slice() != event => {
                    self.stats.other_event_samples += 1;
                    if self.stats.other_events.len() < 8 {
                        let name = String::from_utf8_lossy(event).into_owned();
                        if !self.stats.other_events.contains(&name) {
                            self.stats.other_events.push(name);
                        }
                    }
                    self.filter = Filter::Skip;
                    return;
                }
                Some(_) => {}
            }
        }
        // Some headers carry a one-frame stack after the event ("cycles:u:  ffff... sym (mod)").
        let mut single: &[u8] = b"";
        if let Some(post) = post {
            let i = post
                .iter()
                .position(|&c| c == b':' || c == b' ')
                .unwrap_or(post.len());
            single = trim_space(if i < post.len() { &post[i + 1..] } else { post });
        }
        let mut pname: Vec<u8> = comm
            .iter()
            .map(|&c| if c == b' ' { b'_' } else { c })
            .collect();
        if self.opts.tid {
            pname.push(b'-');
            pname.extend_from_slice(pid);
            pname.push(b'/');
            pname.extend_from_slice(tid);
        } else if self.opts.pid {
            pname.push(b'-');
            pname.extend_from_slice(pid);
        }
        if pname != self.pname_text {
            self.pname = self.table.intern(&pname);
            self.is_java = if self.opts.perl {
                pname == b"java"
            } else {
                pname.starts_with(b"java")
            };
            self.pname_text = pname;
        }
        if !single.is_empty() {
            let single = single.to_vec();
            self.stack_line(&single);
            self.in_event = false;
            if !self.stack.is_empty() {
                self.after_event();
            }
        }
    }

    fn after_event(&mut self) {
        let depth = self.stack.len();
        if depth > 0 {
            let root: i64 = if self.filter == Filter::SkipRemaining {
                -1
            } else {
                self.pname as i64
            };
            // Successive samples mostly share their outer frames: reuse the previous sample's
            // nodes while the frames agree.
            let mut same = root == self.prev_root;
            let mut node = 0u32;
            if self.prev_nodes.is_empty() {
                self.prev_nodes.push(0);
            }
            if root >= 0 {
                node = if same {
                    self.prev_nodes[0]
                } else {
                    self.table.child(0, root as u32)
                };
            }
            self.prev_nodes[0] = node;
            if !same {
                self.prev_ids.clear();
                self.prev_nodes.truncate(1);
            }
            let prev_depth = self.prev_ids.len();
            for j in 0..depth {
                let id = self.stack[depth - 1 - j];
                if same && j < prev_depth && self.prev_ids[j] == id {
                    node = self.prev_nodes[j + 1];
                } else {
                    if same {
                        same = false;
                        self.prev_ids.truncate(j);
                        self.prev_nodes.truncate(j + 1);
                    }
                    node = self.table.child(node, id);
                    self.prev_nodes.push(node);
                    self.prev_ids.push(id);
                }
            }
            self.prev_ids.truncate(depth);
            self.prev_nodes.truncate(depth + 1);
            self.prev_root = root;
            self.table.add(node, self.period.unwrap_or(1.0));
            self.stats.samples += 1;
            if self.period.is_some() {
                self.stats.periods = true;
            }
        }
        self.in_event = false;
        self.filter = Filter::Keep;
        self.stack.clear();
        self.period = None;
    }

    fn bad(&mut self, line: &[u8]) {
        self.stats.malformed += 1;
        if self.stats.first_bad.is_none() {
            self.stats.first_bad = Some((self.line_no, line.to_vec()));
        }
    }

    /** Every counted stack, "root;...;leaf" → count, in byte order. */
    pub fn stacks(&self) -> Vec<(Vec<u8>, f64)> {
        self.table.stacks()
    }
}

impl Stats {
    /** The warnings about what was not folded. */
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if let (true, Some((line, text))) = (self.malformed > 0, &self.first_bad) {
            w.push(format!(
                "skipped {} malformed line{} (neither a sample header nor a stack frame); first at line {}: {}",
                self.malformed,
                if self.malformed == 1 { "" } else { "s" },
                line,
                crate::util::json_string(&String::from_utf8_lossy(text))
            ));
        }
        if self.other_event_samples > 0 && self.event.is_some() && self.event_defaulted {
            let ev = String::from_utf8_lossy(self.event.as_ref().unwrap());
            let others: Vec<String> = self
                .other_events
                .iter()
                .map(|e| format!("'{}'", e))
                .collect();
            w.push(format!(
                "folded only events of type '{}' (the first seen); skipped {} sample{} of {}; choose one with --event-filter",
                ev,
                self.other_event_samples,
                if self.other_event_samples == 1 { "" } else { "s" },
                others.join(", ")
            ));
        }
        w
    }
}

/** "comm pid" or "comm pid/tid" at the start of a header → (comm, pid, tid, end of it). */
fn event_line_parts(line: &[u8]) -> Option<(&[u8], &[u8], &[u8], usize)> {
    let mut word_start = 0;
    let mut all_digits = false;
    let mut last_was_space = false;
    let mut slash: Option<usize> = None;
    for (i, &c) in line.iter().enumerate() {
        if c == b' ' {
            if all_digits && !last_was_space {
                let (pid, tid): (&[u8], &[u8]) = match slash {
                    Some(s) => (&line[word_start..s], &line[s + 1..i]),
                    None => (b"?", &line[word_start..i]),
                };
                return Some((trim_space(&line[..word_start - 1]), pid, tid, i + 1));
            }
            word_start = i + 1;
            all_digits = true;
        } else if c == b'/' {
            if all_digits {
                slash = Some(i);
            }
        } else if !c.is_ascii_digit() {
            all_digits = false;
            slash = None;
        }
        last_was_space = c == b' ';
    }
    None
}

/** An unsigned 64-bit decimal, as Rust's u64 parser accepts it (the period). */
fn parse_period(s: &[u8]) -> Option<f64> {
    let d = if s.first() == Some(&b'+') { &s[1..] } else { s };
    if d.is_empty() || d.len() > 20 || !d.iter().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let text = std::str::from_utf8(d).ok()?;
    text.parse::<u64>().ok()?;
    text.parse::<f64>().ok()
}

/** The text as UTF-8, invalid sequences replaced by U+FFFD; valid text (the usual case) is not copied. */
fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}
