// Reading a command's input: a file or stdin, in blocks of whole lines, with gzip recognised by
// its magic bytes and unpacked by the system's gzip (no compression code of our own).
use std::fs::File;
use std::io::{self, Read, Write};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

const BLOCK: usize = 4 << 20;
const FIRST_BLOCK: usize = 64 << 10;

/** Why an input could not be read, naming it. */
pub struct ReadError(pub String);

fn describe(name: &str, err: &io::Error) -> ReadError {
    ReadError(format!("cannot read {}: {}", name, reason(err)))
}

/** Why a read or write failed, in a few words (as flame's other commands word it). */
pub fn reason(err: &io::Error) -> String {
    match (err.kind(), err.raw_os_error()) {
        (io::ErrorKind::NotFound, _) => "no such file".to_string(),
        (_, Some(21)) => "it is a directory".to_string(),
        (_, Some(20)) => "a part of the path is not a directory".to_string(),
        (_, Some(40)) => "too many levels of symbolic links".to_string(),
        (_, Some(36)) => "the name is too long".to_string(),
        (_, Some(28)) => "no space left on device".to_string(),
        (io::ErrorKind::PermissionDenied, _) => "permission denied".to_string(),
        _ => {
            // "Input/output error (os error 5)" → "Input/output error".
            let s = err.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    }
}

/** A source of bytes plus, for gzip, the gunzip process to check at the end. */
struct Source {
    reader: Box<dyn Read + Send>,
    gunzip: Option<(Child, Option<JoinHandle<()>>)>,
}

fn open(path: &str, gzip: bool) -> Result<(Source, Vec<u8>), ReadError> {
    let name = if path == "-" { "stdin" } else { path };
    let mut reader: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        let f = File::open(path).map_err(|e| describe(name, &e))?;
        Box::new(f)
    };
    // Peek at the first bytes for the gzip magic.
    let mut head = vec![0u8; 2];
    let mut got = 0;
    while got < 2 {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(describe(name, &e)),
        }
    }
    head.truncate(got);
    if gzip && got == 2 && head == [0x1f, 0x8b] {
        let mut child = Command::new("gzip")
            .args(["-dc"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                ReadError(format!(
                    "cannot read {}: it is gzip, and gzip could not be started ({})",
                    name, e
                ))
            })?;
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            if stdin.write_all(&head).is_ok() {
                let _ = io::copy(&mut reader, &mut stdin);
            }
        });
        let out = child.stdout.take().unwrap();
        return Ok((
            Source {
                reader: Box::new(out),
                gunzip: Some((child, Some(feeder))),
            },
            Vec::new(),
        ));
    }
    Ok((
        Source {
            reader,
            gunzip: None,
        },
        head,
    ))
}

/**
 * Call `each` with blocks of whole lines (the last block may end without a newline), reading
 * `path` ("-" for stdin), unpacking gzip when `gzip`. Errors name the input. The buffer starts small and doubles while
 * reads fill it, up to BLOCK: a small input costs no large allocation.
 */
pub fn for_each_block(
    path: &str,
    gzip: bool,
    mut each: impl FnMut(&[u8]),
) -> Result<(), ReadError> {
    let name = if path == "-" { "stdin" } else { path };
    let (mut src, head) = open(path, gzip)?;
    let mut buf = vec![0u8; FIRST_BLOCK.max(head.len())];
    buf[..head.len()].copy_from_slice(&head);
    let mut filled = head.len();
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = loop {
            match src.reader.read(&mut buf[filled..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(describe(name, &e)),
            }
        };
        if n == 0 {
            if filled > 0 {
                each(&buf[..filled]);
            }
            break;
        }
        let was_full = filled + n == buf.len();
        filled += n;
        if was_full && buf.len() < BLOCK {
            // Reads fill the buffer: a big input; read it in bigger blocks.
            continue;
        }
        if let Some(nl) = buf[..filled].iter().rposition(|&c| c == b'\n') {
            each(&buf[..=nl]);
            buf.copy_within(nl + 1..filled, 0);
            filled -= nl + 1;
        }
    }
    if let Some((mut child, feeder)) = src.gunzip.take() {
        if let Some(f) = feeder {
            let _ = f.join();
        }
        let ok = child.wait().map(|s| s.success()).unwrap_or(false);
        if !ok {
            return Err(ReadError(format!("cannot read {}: not valid gzip", name)));
        }
    }
    Ok(())
}

/** Write all of `out` to stdout; a closed pipe (`| head`) is not an error. */
pub fn write_stdout(out: &[u8]) -> io::Result<()> {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    match lock.write_all(out).and_then(|_| lock.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}
