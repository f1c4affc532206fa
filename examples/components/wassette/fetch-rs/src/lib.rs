//! Wassette's `fetch-rs` world: `fetch(url)` does an HTTP GET through
//! wasi:http/outgoing-handler and returns the body as text. Redirects are
//! followed here, each one a new request that the host checks again.

use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, IncomingResponse, Method, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

wit_bindgen::generate!({ path: "wit", world: "fetch-rs" });

/// Responses bigger than this are refused rather than held in memory.
const MAX_BODY: usize = 8 * 1024 * 1024;
const MAX_REDIRECTS: usize = 5;

struct Url {
    scheme: Scheme,
    authority: String,
    path_and_query: String,
}

fn parse(url: &str) -> Result<Url, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("invalid URL: {url}"))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => return Err(format!("unsupported URL scheme: {other}")),
    };
    let rest = rest.split('#').next().unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_empty() {
        return Err(format!("invalid URL: {url}"));
    }
    let path_and_query = if tail.starts_with('?') {
        format!("/{tail}")
    } else if tail.is_empty() {
        "/".to_string()
    } else {
        tail.to_string()
    };
    Ok(Url { scheme, authority: authority.to_string(), path_and_query })
}

/// `location` resolved against the URL it came from.
fn resolve(base: &Url, location: &str) -> Result<Url, String> {
    if location.contains("://") {
        return parse(location);
    }
    let scheme = match base.scheme {
        Scheme::Https => "https",
        _ => "http",
    };
    if let Some(rest) = location.strip_prefix("//") {
        return parse(&format!("{scheme}://{rest}"));
    }
    let path = if location.starts_with('/') {
        location.to_string()
    } else {
        let dir = base.path_and_query.split('?').next().unwrap_or("/");
        let dir = &dir[..dir.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{location}")
    };
    parse(&format!("{scheme}://{}{path}", base.authority))
}

fn send(url: &Url) -> Result<IncomingResponse, String> {
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_method(&Method::Get);
    request
        .set_scheme(Some(&url.scheme))
        .map_err(|_| "invalid URL scheme".to_string())?;
    request
        .set_authority(Some(&url.authority))
        .map_err(|_| format!("invalid host: {}", url.authority))?;
    request
        .set_path_with_query(Some(&url.path_and_query))
        .map_err(|_| format!("invalid path: {}", url.path_and_query))?;
    let pending = outgoing_handler::handle(request, None)
        .map_err(|e| format!("request refused: {e:?}"))?;
    pending.subscribe().block();
    match pending.get() {
        Some(Ok(Ok(response))) => Ok(response),
        Some(Ok(Err(e))) => Err(format!("request failed: {e:?}")),
        Some(Err(())) | None => Err("request failed: no response".to_string()),
    }
}

fn header(response: &IncomingResponse, name: &str) -> Option<String> {
    let values = response.headers().get(&name.to_string());
    values.first().map(|v| String::from_utf8_lossy(v).into_owned())
}

fn body(response: IncomingResponse) -> Result<String, String> {
    let incoming = response.consume().map_err(|_| "response body unavailable".to_string())?;
    let stream = incoming.stream().map_err(|_| "response body unavailable".to_string())?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_BODY {
                    return Err(format!("response body larger than {MAX_BODY} bytes"));
                }
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(format!("error reading the response body: {}", e.to_debug_string()))
            }
        }
    }
    drop(stream);
    String::from_utf8(bytes).map_err(|_| "response body is not UTF-8 text".to_string())
}

struct Component;

impl Guest for Component {
    fn fetch(url: String) -> Result<String, String> {
        let mut target = parse(&url)?;
        for _ in 0..=MAX_REDIRECTS {
            let response = send(&target)?;
            let status = response.status();
            if (300..400).contains(&status) {
                if let Some(location) = header(&response, "location") {
                    target = resolve(&target, &location)?;
                    continue;
                }
            }
            if !(200..300).contains(&status) {
                return Err(format!("HTTP {status}"));
            }
            return body(response);
        }
        Err(format!("more than {MAX_REDIRECTS} redirects"))
    }
}

export!(Component);
