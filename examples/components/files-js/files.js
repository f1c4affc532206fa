// The `files` interface, written against wasi:filesystem directly:
// StarlingMonkey offers JS no filesystem API of its own.
//
// Paths are not cleaned up here on purpose. Whatever follows the preopen
// prefix (`..`, absolute paths, symlinks) reaches the host as given, so the
// host's own checks are what keeps the guest inside its preopens.

import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

const TYPE_LETTERS = {
  'regular-file': 'f',
  directory: 'd',
  'symbolic-link': 'l',
};

const READ_CHUNK = 65536n;

const dispose = Symbol.dispose || Symbol.for('dispose');

// Fetched on first use, not at module load: module load happens while the
// component is being built, where no host preopens exist. Kept for the life
// of the instance, since each call returns new handles.
let preopenList;

function preopens() {
  if (preopenList === undefined) preopenList = getDirectories();
  return preopenList;
}

// Runs `fn(resource)` and then drops the resource, so that repeated calls
// do not pile up host handles.
function withResource(resource, fn) {
  try {
    return fn(resource);
  } finally {
    resource[dispose]();
  }
}

function typeLetter(type) {
  return TYPE_LETTERS[type] ?? '?';
}

// Failed wasi:filesystem calls throw an error whose `payload` is the
// `error-code` name. Throwing a string from an export returns it as `err`;
// anything else that goes wrong is reported as `io`.
function fail(error) {
  if (error && typeof error === 'object' && typeof error.payload === 'string') {
    throw error.payload;
  }
  throw 'io';
}

function trimSlashes(path) {
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end -= 1;
  return path.slice(0, end);
}

// Returns [descriptor, path relative to it].
function resolve(path) {
  const list = preopens();
  if (list.length === 0) throw 'not-permitted';
  if (path.startsWith('/')) {
    for (const [descriptor, guestPath] of list) {
      const prefix = trimSlashes(guestPath);
      if (prefix === '/') {
        return [descriptor, path.slice(1) || '.'];
      }
      if (path === prefix) return [descriptor, '.'];
      if (path.startsWith(`${prefix}/`)) {
        return [descriptor, path.slice(prefix.length + 1) || '.'];
      }
    }
    // Under no preopen: hand the absolute path to the first one, which a
    // conforming host refuses.
    return [list[0][0], path];
  }
  return [list[0][0], path === '' ? '.' : path];
}

function run(action) {
  try {
    return action();
  } catch (error) {
    if (typeof error === 'string') throw error;
    fail(error);
  }
}

function listDir(path) {
  return run(() => {
    const [base, rel] = resolve(path);
    const entries = [];
    const dir = base.openAt({ symlinkFollow: true }, rel, { directory: true }, { read: true });
    withResource(dir, () =>
      withResource(dir.readDirectory(), (stream) => {
        for (;;) {
          const entry = stream.readDirectoryEntry();
          if (entry === undefined || entry === null) break;
          entries.push(entry);
        }
      }),
    );
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return entries.map((entry) => `${typeLetter(entry.type)} ${entry.name}`);
  });
}

function readFile(path) {
  return run(() => {
    const [base, rel] = resolve(path);
    const chunks = [];
    let total = 0;
    const file = base.openAt({ symlinkFollow: true }, rel, {}, { read: true });
    withResource(file, () => {
      let offset = 0n;
      for (;;) {
        const [bytes, end] = file.read(READ_CHUNK, offset);
        if (bytes.length > 0) {
          chunks.push(bytes);
          total += bytes.length;
          offset += BigInt(bytes.length);
        }
        if (end || bytes.length === 0) break;
      }
    });
    const all = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return new TextDecoder().decode(all);
  });
}

function writeFile(path, content) {
  run(() => {
    const [base, rel] = resolve(path);
    const file = base.openAt(
      { symlinkFollow: true },
      rel,
      { create: true, truncate: true },
      { write: true },
    );
    withResource(file, () => {
      const bytes = new TextEncoder().encode(content);
      let offset = 0;
      while (offset < bytes.length) {
        const written = Number(file.write(bytes.subarray(offset), BigInt(offset)));
        if (written === 0) throw 'io';
        offset += written;
      }
    });
  });
}

function rename(from, to) {
  run(() => {
    const [fromBase, fromRel] = resolve(from);
    const [toBase, toRel] = resolve(to);
    fromBase.renameAt(fromRel, toBase, toRel);
  });
}

function remove(path) {
  run(() => {
    const [base, rel] = resolve(path);
    const info = base.statAt({}, rel);
    if (info.type === 'directory') {
      base.removeDirectoryAt(rel);
    } else {
      base.unlinkFileAt(rel);
    }
  });
}

function stat(path) {
  return run(() => {
    const [base, rel] = resolve(path);
    const info = base.statAt({}, rel);
    return `${typeLetter(info.type)} ${info.size}`;
  });
}

function symlink(target, link) {
  run(() => {
    const [base, rel] = resolve(link);
    base.symlinkAt(target, rel);
  });
}

function hardLink(existing, newPath) {
  run(() => {
    const [fromBase, fromRel] = resolve(existing);
    const [toBase, toRel] = resolve(newPath);
    fromBase.linkAt({}, fromRel, toBase, toRel);
  });
}

function mkdir(path) {
  run(() => {
    const [base, rel] = resolve(path);
    base.createDirectoryAt(rel);
  });
}

export const files = {
  listDir,
  readFile,
  writeFile,
  rename,
  remove,
  stat,
  symlink,
  hardLink,
  mkdir,
};
