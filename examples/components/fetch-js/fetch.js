// The `fetch` world: an HTTP GET through the JS fetch API, which
// StarlingMonkey implements on top of wasi:http/outgoing-handler.
//
// The export is async: componentize-js runs the event loop until the
// promise settles, so the component function itself stays synchronous.
// Throwing a string returns it as the `err` case of the result.

function describe(error) {
  if (error && typeof error === 'object') {
    const cause = error.cause ? `: ${describe(error.cause)}` : '';
    return `${error.name || 'Error'}: ${error.message || String(error)}${cause}`;
  }
  return String(error);
}

async function fetchUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw `invalid URL: ${url}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw `unsupported URL scheme: ${parsed.protocol}`;
  }

  let response;
  try {
    response = await globalThis.fetch(parsed.href, { method: 'GET' });
  } catch (error) {
    throw `network error: ${describe(error)}`;
  }

  if (!response.ok) {
    const reason = response.statusText ? ` ${response.statusText}` : '';
    throw `HTTP ${response.status}${reason}`;
  }
  let body;
  try {
    body = await response.text();
  } catch (error) {
    throw `error reading the response body: ${describe(error)}`;
  }
  return body;
}

export { fetchUrl as fetch };
