// Counting stacks without building a string per sample: frame names interned to ids, stacks as
// nodes of a prefix tree with a count each; the joined "a;b;c" texts are built once per distinct
// stack at the end.
use crate::util::FxMap;

pub struct StackTable {
    names: Vec<Box<[u8]>>,
    ids: FxMap<Box<[u8]>, u32>,
    // Node 0 is the (nameless) root.
    parent: Vec<u32>,
    frame: Vec<u32>,
    count: Vec<f64>,
    children: FxMap<u64, u32>,
}

impl StackTable {
    pub fn new() -> StackTable {
        StackTable {
            names: Vec::new(),
            ids: FxMap::default(),
            parent: vec![0],
            frame: vec![0],
            count: vec![0.0],
            children: FxMap::with_capacity_and_hasher(1 << 14, Default::default()),
        }
    }

    /** The id of a frame name. */
    pub fn intern(&mut self, name: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    /** The node for `frame` called from `node` (0 for the root), created on first use. */
    pub fn child(&mut self, node: u32, frame: u32) -> u32 {
        let key = ((node as u64) << 32) | frame as u64;
        let next = self.parent.len() as u32;
        let n = *self.children.entry(key).or_insert(next);
        if n == next {
            self.parent.push(node);
            self.frame.push(frame);
            self.count.push(0.0);
        }
        n
    }

    pub fn add(&mut self, node: u32, n: f64) {
        self.count[node as usize] += n;
    }

    /** Every counted stack, "root;...;leaf" → count, in byte order. */
    pub fn stacks(&self) -> Vec<(Vec<u8>, f64)> {
        let mut out = Vec::new();
        let mut path: Vec<u32> = Vec::new();
        for n in 1..self.parent.len() {
            let c = self.count[n];
            if c == 0.0 {
                continue;
            }
            path.clear();
            let mut m = n as u32;
            while m != 0 {
                path.push(self.frame[m as usize]);
                m = self.parent[m as usize];
            }
            let mut key = Vec::new();
            for (i, &f) in path.iter().rev().enumerate() {
                if i > 0 {
                    key.push(b';');
                }
                key.extend_from_slice(&self.names[f as usize]);
            }
            out.push((key, c));
        }
        // Distinct paths can join to the same text (a process name with ';' in it).
        sort_and_sum(&mut out);
        out
    }
}

/**
 * Sort stacks by their bytes and add up the counts of equal ones. The sort is stable, so equal
 * stacks are added in the order they came (the parts of a split file, in file order).
 */
pub fn sort_and_sum(stacks: &mut Vec<(Vec<u8>, f64)>) {
    stacks.sort_by(|a, b| a.0.cmp(&b.0));
    stacks.dedup_by(|later, first| {
        if later.0 == first.0 {
            first.1 += later.1;
            true
        } else {
            false
        }
    });
}
