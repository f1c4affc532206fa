// shout: an Extism plugin in AssemblyScript on @extism/as-pdk, following
// hyper-mcp's plugin protocol version 1 (exports describe and call).
// Tool shout {text} returns the text upper-cased.
//
// AssemblyScript has no JSON library: a small reader below finds members
// and decodes strings, and jsonString() escapes the output.
import { Host, Memory } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";

// asc routes abort() here (--use abort=shout/myAbort): report it as the
// call's error, then trap.
function myAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const msg = "abort: " + (message === null ? "" : message) + " at " +
    (fileName === null ? "?" : fileName) + ":" + line.toString() + ":" + column.toString();
  error_set(Memory.allocateString(msg).offset);
  unreachable();
}

const DESCRIBE =
  '{"tools":[{"name":"shout","description":"Returns the text upper-cased",' +
  '"inputSchema":{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}}]}';

// UTF-8 out, without as-pdk's outputString (which takes the string's
// UTF-16 length for the byte length).
function output(s: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(s)));
}

function pluginError(msg: string): i32 {
  error_set(Memory.allocateString(msg).offset);
  return 1;
}

// ---------------------------------------------------------------------------
// JSON reading over the input string; positions are UTF-16 indices, -1 is
// "malformed" or "not found".

function ws(s: string, i: i32): i32 {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
    i++;
  }
  return i;
}

function hex4(s: string, i: i32): i32 {
  if (i + 4 > s.length) return -1;
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = s.charCodeAt(i + k);
    let d: i32;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

// The string literal at i: its decoded value in decoded, the position
// after it returned (or -1).
let decoded = "";

function readString(s: string, i: i32): i32 {
  if (i >= s.length || s.charCodeAt(i) != 0x22) return -1;
  i++;
  const parts = new Array<string>();
  let start = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c == 0x22) {
      parts.push(s.substring(start, i));
      decoded = parts.join("");
      return i + 1;
    }
    if (c < 0x20) return -1;
    if (c != 0x5c) {
      i++;
      continue;
    }
    parts.push(s.substring(start, i));
    if (i + 1 >= s.length) return -1;
    const e = s.charCodeAt(i + 1);
    i += 2;
    if (e == 0x22) parts.push('"');
    else if (e == 0x5c) parts.push("\\");
    else if (e == 0x2f) parts.push("/");
    else if (e == 0x62) parts.push("\b");
    else if (e == 0x66) parts.push("\f");
    else if (e == 0x6e) parts.push("\n");
    else if (e == 0x72) parts.push("\r");
    else if (e == 0x74) parts.push("\t");
    else if (e == 0x75) {
      const u = hex4(s, i);
      if (u < 0) return -1;
      parts.push(String.fromCharCode(u));
      i += 4;
    } else return -1;
    start = i;
  }
  return -1;
}

function skipValue(s: string, i: i32, depth: i32): i32 {
  i = ws(s, i);
  if (i >= s.length || depth > 64) return -1;
  const c = s.charCodeAt(i);
  if (c == 0x22) return readString(s, i);
  if (c == 0x7b || c == 0x5b) {
    const object = c == 0x7b;
    const close = object ? 0x7d : 0x5d;
    i = ws(s, i + 1);
    if (i < s.length && s.charCodeAt(i) == close) return i + 1;
    while (true) {
      if (object) {
        i = readString(s, ws(s, i));
        if (i < 0) return -1;
        i = ws(s, i);
        if (i >= s.length || s.charCodeAt(i) != 0x3a) return -1;
        i++;
      }
      i = skipValue(s, i, depth + 1);
      if (i < 0) return -1;
      i = ws(s, i);
      if (i >= s.length) return -1;
      const d = s.charCodeAt(i);
      if (d == close) return i + 1;
      if (d != 0x2c) return -1;
      i++;
    }
  }
  // number, true, false, null
  const start = i;
  while (i < s.length) {
    const d = s.charCodeAt(i);
    if (!((d >= 0x30 && d <= 0x39) || (d >= 0x61 && d <= 0x7a) || d == 0x2d || d == 0x2b || d == 0x2e)) break;
    i++;
  }
  if (i == start) return -1;
  const word = s.substring(start, i);
  if (word == "true" || word == "false" || word == "null") return i;
  const f = word.charCodeAt(0);
  return (f == 0x2d || (f >= 0x30 && f <= 0x39)) ? i : -1;
}

// The position of member key's value in the object at i, or -1.
function member(s: string, i: i32, key: string): i32 {
  if (i < 0) return -1;
  i = ws(s, i);
  if (i >= s.length || s.charCodeAt(i) != 0x7b) return -1;
  i = ws(s, i + 1);
  if (i < s.length && s.charCodeAt(i) == 0x7d) return -1;
  let found = -1;
  while (true) {
    i = readString(s, ws(s, i));
    if (i < 0) return -1;
    const k = decoded;
    i = ws(s, i);
    if (i >= s.length || s.charCodeAt(i) != 0x3a) return -1;
    const v = ws(s, i + 1);
    i = skipValue(s, v, 0);
    if (i < 0) return -1;
    if (k == key) found = v;
    i = ws(s, i);
    if (i >= s.length || s.charCodeAt(i) != 0x2c) return found;
    i++;
  }
}

// ---------------------------------------------------------------------------

function jsonString(s: string): string {
  const parts = new Array<string>();
  parts.push('"');
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    parts.push(s.substring(start, i));
    if (c == 0x22) parts.push('\\"');
    else if (c == 0x5c) parts.push("\\\\");
    else if (c == 0x0a) parts.push("\\n");
    else if (c == 0x0d) parts.push("\\r");
    else if (c == 0x09) parts.push("\\t");
    else parts.push("\\u00" + (c < 0x10 ? "0" : "") + c.toString(16));
    start = i + 1;
  }
  parts.push(s.substring(start));
  parts.push('"');
  return parts.join("");
}

function result(text: string, isError: bool): i32 {
  output('{"content":[{"type":"text","text":' + jsonString(text) + '}],"isError":' +
    (isError ? "true" : "false") + "}");
  return 0;
}

export function describe(): i32 {
  output(DESCRIBE);
  return 0;
}

export function call(): i32 {
  const input = Host.inputString();
  const end = skipValue(input, 0, 0);
  if (end < 0 || ws(input, end) != input.length) return pluginError("input is not valid JSON");
  const params = member(input, 0, "params");
  const n = member(input, params, "name");
  if (n < 0 || readString(input, n) < 0) return pluginError("input has no string params.name");
  const name = decoded;
  if (name != "shout") return result("unknown tool " + jsonString(name), true);
  const t = member(input, member(input, params, "arguments"), "text");
  if (t < 0 || input.substring(t, t + 4) == "null") return result('missing required argument "text"', true);
  if (readString(input, t) < 0) return result('argument "text" must be a string', true);
  return result(decoded.toUpperCase(), false);
}
