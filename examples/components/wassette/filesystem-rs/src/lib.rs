//! Wassette's `filesystem-rs` world on Rust's `std::fs`, which wasi-libc
//! maps to wasi:filesystem: absolute paths are resolved against the
//! directories the host preopens, and the host decides every access.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

wit_bindgen::generate!({ path: "wit", world: "filesystem-rs" });

/// Entries a search or tree walk visits before it stops, so that a huge
/// tree cannot keep a call running until its deadline.
const MAX_ENTRIES: usize = 10_000;

fn describe(path: &str, e: std::io::Error) -> String {
    let what = match e.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        ErrorKind::AlreadyExists => "already exists".to_string(),
        _ => e.to_string(),
    };
    format!("{path}: {what}")
}

fn sorted_entries(path: &str) -> Result<Vec<(String, bool)>, String> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(path).map_err(|e| describe(path, e))? {
        let entry = entry.map_err(|e| describe(path, e))?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        entries.push((entry.file_name().to_string_lossy().into_owned(), is_dir));
    }
    entries.sort();
    Ok(entries)
}

fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// `*` any run of characters, `?` one character; the whole name must match.
fn glob(pattern: &[char], name: &[char]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some('*'), _) => glob(&pattern[1..], name) || (!name.is_empty() && glob(pattern, &name[1..])),
        (Some('?'), Some(_)) => glob(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) => p == n && glob(&pattern[1..], &name[1..]),
        _ => false,
    }
}

fn matches(pattern: &str, name: &str) -> bool {
    if pattern.contains(['*', '?']) {
        let p: Vec<char> = pattern.chars().collect();
        let n: Vec<char> = name.chars().collect();
        glob(&p, &n)
    } else {
        name.to_lowercase().contains(&pattern.to_lowercase())
    }
}

fn seconds(t: std::io::Result<SystemTime>) -> Option<u64> {
    t.ok()?.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Component;

impl Guest for Component {
    fn list_directory(path: String) -> Result<Vec<String>, String> {
        Ok(sorted_entries(&path)?
            .into_iter()
            .map(|(name, is_dir)| format!("{} {name}", if is_dir { "[DIR]" } else { "[FILE]" }))
            .collect())
    }

    fn read_file(path: String) -> Result<String, String> {
        let bytes = fs::read(&path).map_err(|e| describe(&path, e))?;
        String::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8 text"))
    }

    fn write_file(path: String, content: String) -> Result<String, String> {
        fs::write(&path, content.as_bytes()).map_err(|e| describe(&path, e))?;
        Ok(format!("wrote {} bytes to {path}", content.len()))
    }

    fn create_directory(path: String) -> Result<String, String> {
        fs::create_dir_all(&path).map_err(|e| describe(&path, e))?;
        Ok(format!("created directory {path}"))
    }

    fn move_path(source: String, destination: String) -> Result<String, String> {
        fs::rename(&source, &destination).map_err(|e| describe(&source, e))?;
        Ok(format!("moved {source} to {destination}"))
    }

    fn delete_file(path: String) -> Result<String, String> {
        let meta = fs::symlink_metadata(&path).map_err(|e| describe(&path, e))?;
        if meta.is_dir() {
            return Err(format!("{path}: is a directory; use delete-directory"));
        }
        fs::remove_file(&path).map_err(|e| describe(&path, e))?;
        Ok(format!("deleted file {path}"))
    }

    fn delete_directory(path: String) -> Result<String, String> {
        fs::remove_dir(&path).map_err(|e| describe(&path, e))?;
        Ok(format!("deleted directory {path}"))
    }

    fn file_exists(path: String) -> Result<bool, String> {
        match fs::symlink_metadata(&path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::PermissionDenied => {
                Ok(false)
            }
            Err(e) => Err(describe(&path, e)),
        }
    }

    fn get_directory_tree(path: String, max_depth: u32) -> Result<String, String> {
        fn walk(dir: &str, depth: u32, max: u32, out: &mut Vec<String>) -> Result<(), String> {
            if depth >= max {
                return Ok(());
            }
            for (name, is_dir) in sorted_entries(dir)? {
                if out.len() >= MAX_ENTRIES {
                    out.push(format!("… stopped after {MAX_ENTRIES} entries"));
                    return Ok(());
                }
                let indent = "  ".repeat(depth as usize + 1);
                out.push(format!("{indent}{name}{}", if is_dir { "/" } else { "" }));
                if is_dir {
                    walk(&join(dir, &name), depth + 1, max, out)?;
                }
            }
            Ok(())
        }
        if !Path::new(&path).is_dir() {
            fs::read_dir(&path).map_err(|e| describe(&path, e))?;
        }
        let mut lines = vec![format!("{}/", path.trim_end_matches('/'))];
        walk(&path, 0, max_depth, &mut lines)?;
        Ok(lines.join("\n"))
    }

    fn search_file(path: String, pattern: String) -> Result<String, String> {
        let mut found = Vec::new();
        let mut pending = vec![path.clone()];
        let mut visited = 0usize;
        while let Some(dir) = pending.pop() {
            let entries = match sorted_entries(&dir) {
                Ok(entries) => entries,
                Err(e) if dir == path => return Err(e),
                Err(_) => continue,
            };
            for (name, is_dir) in entries {
                visited += 1;
                if visited > MAX_ENTRIES {
                    found.push(format!("… stopped after {MAX_ENTRIES} entries"));
                    return Ok(found.join("\n"));
                }
                let full = join(&dir, &name);
                if matches(&pattern, &name) {
                    found.push(full.clone());
                }
                if is_dir {
                    pending.push(full);
                }
            }
        }
        found.sort();
        Ok(found.join("\n"))
    }

    fn get_file_info(path: String) -> Result<String, String> {
        let meta = fs::symlink_metadata(&path).map_err(|e| describe(&path, e))?;
        let kind = if meta.is_dir() {
            "directory"
        } else if meta.file_type().is_symlink() {
            "symlink"
        } else if meta.is_file() {
            "file"
        } else {
            "other"
        };
        let time = |t: Option<u64>| t.map_or("null".to_string(), |s| s.to_string());
        Ok(format!(
            "{{\"path\":{},\"type\":\"{kind}\",\"size\":{},\"modified\":{},\"accessed\":{},\"created\":{}}}",
            json_string(&path),
            meta.len(),
            time(seconds(meta.modified())),
            time(seconds(meta.accessed())),
            time(seconds(meta.created())),
        ))
    }
}

export!(Component);
