//! flame's example program: generate pseudo-random text, count word frequencies two ways,
//! and checksum the result. Run `npx flame record` in this directory to see where time goes.
use std::collections::{BTreeMap, HashMap};

/// A tiny xorshift generator, so the example needs no dependencies.
struct Rng(u64);

impl Rng {
    #[inline(always)]
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn generate_text(words: usize, seed: u64) -> String {
    const SYLLABLES: [&str; 8] = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "ve"];
    let mut rng = Rng(seed);
    let mut text = String::new();
    for _ in 0..words {
        let len = 1 + (rng.next() % 3) as usize;
        for _ in 0..len {
            text.push_str(SYLLABLES[(rng.next() % 8) as usize]);
        }
        text.push(' ');
    }
    text
}

#[inline(never)]
fn count_hashmap(text: &str) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for w in text.split_whitespace() {
        *counts.entry(w).or_insert(0) += 1;
    }
    counts
}

#[inline(never)]
fn count_btreemap(text: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for w in text.split_whitespace() {
        *counts.entry(w.to_uppercase()).or_insert(0) += 1;
    }
    counts
}

#[inline(never)]
fn checksum(counts: &BTreeMap<String, usize>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for _ in 0..200 {
        for (w, c) in counts {
            for b in w.bytes() {
                h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
            }
            h ^= *c as u64;
        }
    }
    h
}

fn main() {
    let words: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3_000_000);
    let text = generate_text(words, 0x9e37_79b9_7f4a_7c15);
    let a = count_hashmap(&text);
    let b = count_btreemap(&text);
    let sum = checksum(&b);
    println!("{} distinct words ({} in the btree), checksum {sum:x}", a.len(), b.len());
}
