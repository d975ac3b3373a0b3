// Reading a command's input: a file or stdin, in blocks of whole lines, with gzip recognised by
// its magic bytes and unpacked by the system's gzip (no compression code of our own).
use std::fs::File;
use std::io::{self, Read, Write};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;

const BLOCK: usize = 4 << 20;

/** Why an input could not be read, in the words of the TypeScript commands. */
pub struct ReadError(pub String);

fn describe(name: &str, err: &io::Error) -> ReadError {
    // Worded as ioReason in clients/cli/render.ts.
    let what = match (err.kind(), err.raw_os_error()) {
        (io::ErrorKind::NotFound, _) => "no such file".to_string(),
        (_, Some(21)) => "it is a directory".to_string(),
        (io::ErrorKind::PermissionDenied, _) => "permission denied".to_string(),
        _ => {
            let s = err.to_string();
            // "Is a directory (os error 21)" → "Is a directory".
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    };
    ReadError(format!("cannot read {}: {}", name, what))
}

/** A source of bytes plus, for gzip, the gunzip process to check at the end. */
struct Source {
    reader: Box<dyn Read + Send>,
    gunzip: Option<(Child, Option<JoinHandle<()>>)>,
}

fn open(path: &str) -> Result<(Source, Vec<u8>), ReadError> {
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
    if got == 2 && head == [0x1f, 0x8b] {
        let mut child = Command::new("gzip")
            .args(["-dc"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| ReadError(format!("cannot read {}: it is gzip, and gzip could not be started ({})", name, e)))?;
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            if stdin.write_all(&head).is_ok() {
                let _ = io::copy(&mut reader, &mut stdin);
            }
        });
        let out = child.stdout.take().unwrap();
        return Ok((Source { reader: Box::new(out), gunzip: Some((child, Some(feeder))) }, Vec::new()));
    }
    Ok((Source { reader, gunzip: None }, head))
}

/**
 * Call `each` with blocks of whole lines (the last block may end without a newline), reading
 * `path` ("-" for stdin). Errors name the input.
 */
pub fn for_each_block(path: &str, mut each: impl FnMut(&[u8])) -> Result<(), ReadError> {
    let name = if path == "-" { "stdin" } else { path };
    let (mut src, head) = open(path)?;
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + 64);
    buf.extend_from_slice(&head);
    loop {
        if buf.capacity() - buf.len() < BLOCK / 2 {
            buf.reserve(BLOCK);
        }
        let len = buf.len();
        let cap = buf.capacity();
        buf.resize(cap, 0);
        let n = loop {
            match src.reader.read(&mut buf[len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(describe(name, &e)),
            }
        };
        buf.truncate(len + n);
        if n == 0 {
            if !buf.is_empty() {
                each(&buf);
            }
            break;
        }
        if let Some(nl) = buf.iter().rposition(|&c| c == b'\n') {
            if nl + 1 >= BLOCK / 2 || buf.len() >= BLOCK {
                each(&buf[..=nl]);
                buf.drain(..=nl);
            }
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
