//! rust: an Extism plugin made with the Rust PDK, speaking hyper-mcp's
//! plugin protocol version 2 (`list_tools`, `call_tool`). Its tools use what
//! a Rust plugin uses: JSON in and out through the PDK, config, vars, logs,
//! HTTP through the kernel, and hyper-mcp's host functions (progress,
//! logging notifications, the client's roots).

use extism_pdk::*;
use serde_json::{json, Value};

#[host_fn]
extern "ExtismHost" {
    fn notify_progress(input: Json<Value>);
    fn notify_logging_message(input: Json<Value>);
    fn list_roots() -> Json<Value>;
}

fn text(s: impl Into<String>, is_error: bool) -> Value {
    json!({ "content": [{ "type": "text", "text": s.into() }], "isError": is_error })
}

fn tool(name: &str, description: &str, properties: Value, required: &[&str]) -> Value {
    json!({
        "name": name,
        "description": description,
        "inputSchema": { "type": "object", "properties": properties, "required": required },
    })
}

#[plugin_fn]
pub fn list_tools(_input: Json<Value>) -> FnResult<Json<Value>> {
    Ok(Json(json!({ "tools": [
        tool("word_count", "Counts the words of a text", json!({ "text": { "type": "string" } }), &["text"]),
        tool("visits", "Counts its calls in the var \"visits\"", json!({}), &[]),
        tool("config", "Reads a config value", json!({ "key": { "type": "string" } }), &["key"]),
        tool("fetch", "GETs a URL and says what came back", json!({ "url": { "type": "string" } }), &["url"]),
        tool("steps", "Logs, and reports progress twice", json!({}), &[]),
        tool("roots", "Says which roots the client shares", json!({}), &[]),
    ]})))
}

fn arg<'a>(args: &'a Value, key: &str) -> Result<&'a str, Error> {
    args.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::msg(format!("the argument `{}` must be a string", key)))
}

#[plugin_fn]
pub fn call_tool(input: Json<Value>) -> FnResult<Json<Value>> {
    let request = &input.0["request"];
    let name = request["name"].as_str().unwrap_or("");
    let args = &request["arguments"];
    let result = match name {
        "word_count" => {
            let n = arg(args, "text")?.split_whitespace().count();
            text(format!("{} words", n), false)
        }
        "visits" => {
            let seen: u64 = var::get::<String>("visits")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            var::set("visits", (seen + 1).to_string())?;
            text(format!("visit {}", seen + 1), false)
        }
        "config" => {
            let key = arg(args, "key")?;
            match config::get(key)? {
                Some(v) => text(v, false),
                None => text(format!("no config `{}`", key), true),
            }
        }
        "fetch" => {
            let req = HttpRequest::new(arg(args, "url")?).with_method("GET");
            let res = http::request::<()>(&req, None)?;
            let body = String::from_utf8_lossy(&res.body()).into_owned();
            text(format!("{} {}", res.status_code(), body), false)
        }
        "steps" => {
            info!("steps: starting");
            for i in 1..=2 {
                unsafe { notify_progress(Json(json!({ "progress": i, "total": 2 })))? };
            }
            unsafe {
                notify_logging_message(Json(json!({ "level": "notice", "logger": "rust", "data": "steps: done" })))?
            };
            text("done", false)
        }
        "roots" => {
            let Json(roots) = unsafe { list_roots()? };
            text(roots.to_string(), false)
        }
        other => text(format!("unknown tool `{}`", other), true),
    };
    Ok(Json(result))
}
