// Folding a large file on several cores: the file is cut after blank lines (where no sample is
// open, so every part folds independently), each part is folded by its own thread reading its
// own byte range, and the parts' stacks and stats are merged: the same result as one Folder.
use crate::fold::{FoldOptions, Folder, Stats};
use crate::fold_stacks::sort_and_sum;
use crate::input::ReadError;
use std::fs::File;
use std::os::unix::fs::FileExt;

/** Each part gets at least this many bytes, so small files use one thread. */
const MIN_PART: u64 = 8 << 20;
const HEAD: usize = 1 << 20;
const BLOCK: usize = 4 << 20;

pub struct Folded {
    pub stacks: Vec<(Vec<u8>, f64)>,
    pub stats: Stats,
}

/**
 * Fold `path` with up to `threads` threads; None when it is not worth it or not possible
 * (small, gzip, no sample header near the start), so that the caller folds it as a stream.
 */
pub fn fold_file(
    path: &str,
    opts: &FoldOptions,
    threads: usize,
) -> Result<Option<Folded>, ReadError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(_) => return Ok(None), // the streaming reader reports it
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let parts = (threads as u64).min(size / MIN_PART);
    if parts < 2 {
        return Ok(None);
    }
    let mut head = vec![0u8; HEAD.min(size as usize)];
    let n = read_at_most(&file, &mut head, 0)
        .map_err(|e| ReadError(format!("cannot read {}: {}", path, e)))?;
    head.truncate(n);
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(None);
    }
    // Every part must fold the event a single folder would pick: the first one in the file.
    let event = match &opts.event_filter {
        Some(e) => e.clone(),
        None => {
            let last = match head.iter().rposition(|&c| c == b'\n') {
                Some(l) => l,
                None => return Ok(None),
            };
            let mut probe = Folder::new(opts.clone());
            probe.feed(&head[..=last]);
            match probe.stats.event.clone() {
                Some(e) => e,
                None => return Ok(None),
            }
        }
    };
    let mut bounds = vec![0u64];
    let mut window = vec![0u8; HEAD];
    for i in 1..parts {
        let target = size * i / parts;
        if target <= *bounds.last().unwrap() {
            continue;
        }
        let n = read_at_most(&file, &mut window, target)
            .map_err(|e| ReadError(format!("cannot read {}: {}", path, e)))?;
        if let Some(at) = window[..n].windows(2).position(|w| w == b"\n\n") {
            let cut = target + at as u64 + 2;
            if cut < size {
                bounds.push(cut);
            }
        }
    }
    bounds.push(size);
    if bounds.len() <= 2 {
        return Ok(None);
    }
    let fixed = FoldOptions {
        event_filter: Some(event),
        ..opts.clone()
    };
    let results: Vec<Result<Folder, std::io::Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .windows(2)
            .map(|r| {
                let (start, end) = (r[0], r[1]);
                let (file, fixed) = (&file, fixed.clone());
                s.spawn(move || -> Result<Folder, std::io::Error> {
                    let mut folder = Folder::new(fixed);
                    feed_range(file, start, end, &mut folder)?;
                    folder.finish();
                    Ok(folder)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a fold thread panicked"))
            .collect()
    });
    let mut folders = Vec::with_capacity(results.len());
    for r in results {
        folders.push(r.map_err(|e| ReadError(format!("cannot read {}: {}", path, e)))?);
    }
    Ok(Some(merge(folders, opts.event_filter.is_none())))
}

fn merge(folders: Vec<Folder>, defaulted: bool) -> Folded {
    let mut stacks: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut stats = Stats::default();
    let mut lines_before = 0;
    for (i, f) in folders.into_iter().enumerate() {
        stacks.extend(f.stacks());
        let s = &f.stats;
        if i == 0 {
            stats.event = s.event.clone();
        }
        stats.samples += s.samples;
        stats.periods |= s.periods;
        stats.malformed += s.malformed;
        stats.other_event_samples += s.other_event_samples;
        // A single folder names the first 8 other events: so do the parts together.
        for e in &s.other_events {
            if stats.other_events.len() < 8 && !stats.other_events.contains(e) {
                stats.other_events.push(e.clone());
            }
        }
        if stats.first_bad.is_none() {
            if let Some((line, text)) = &s.first_bad {
                stats.first_bad = Some((line + lines_before, text.clone()));
            }
        }
        lines_before += f.line_no;
    }
    // The event was fixed only to share it between the parts; say whether the user chose it.
    stats.event_defaulted = defaulted;
    // Parts are in file order: their counts for a stack are added in that order.
    sort_and_sum(&mut stacks);
    Folded { stacks, stats }
}

fn read_at_most(file: &File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read_at(&mut buf[n..], pos + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/** Feed bytes [start, end) of the file in blocks of whole lines. */
fn feed_range(file: &File, start: u64, end: u64, folder: &mut Folder) -> std::io::Result<()> {
    let mut buf = vec![0u8; BLOCK];
    let mut carry = 0;
    let mut pos = start;
    while pos < end {
        if carry == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let want = ((end - pos) as usize).min(buf.len() - carry);
        let n = read_at_most(file, &mut buf[carry..carry + want], pos)?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        let filled = carry + n;
        match buf[..filled].iter().rposition(|&c| c == b'\n') {
            Some(nl) if pos < end => {
                folder.feed(&buf[..=nl]);
                buf.copy_within(nl + 1..filled, 0);
                carry = filled - nl - 1;
            }
            _ if pos >= end => {
                folder.feed(&buf[..filled]);
                carry = 0;
            }
            _ => carry = filled,
        }
    }
    if carry > 0 {
        folder.feed(&buf[..carry]);
    }
    Ok(())
}
