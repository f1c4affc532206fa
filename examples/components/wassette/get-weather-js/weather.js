// Wassette's `get-weather-js` world: OpenWeather's current weather for a
// city, through fetch() (StarlingMonkey's, on wasi:http), with the API key
// from wasi:config/store, where the host hands out only what the policy
// allows.

import { get as configGet } from 'wasi:config/store@0.2.0-draft';

const DEFAULT_API = 'https://api.openweathermap.org';

function config(key) {
  try {
    return configGet(key) ?? undefined;
  } catch (error) {
    throw `cannot read the configuration key ${key}: ${error?.payload?.val ?? error}`;
  }
}

function round(n) {
  return Math.round(n * 10) / 10;
}

async function getWeather(city) {
  const name = String(city).trim();
  if (name === '') throw 'city is empty';
  const key = config('OPENWEATHER_API_KEY');
  if (!key) {
    throw 'OPENWEATHER_API_KEY is not configured: set it as a secret or environment variable, and allow it in the policy (`environment.allow`)';
  }
  const base = (config('OPENWEATHER_API_URL') || DEFAULT_API).replace(/\/+$/, '');
  const url = `${base}/data/2.5/weather?q=${encodeURIComponent(name)}&units=metric&appid=${encodeURIComponent(key)}`;

  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw `network error: ${error?.message ?? error}`;
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw `HTTP ${response.status}: the weather service did not answer with JSON`;
  }
  if (!response.ok) {
    throw `HTTP ${response.status}: ${body?.message ?? response.statusText}`;
  }
  const conditions = (body.weather ?? []).map((w) => w.description).filter(Boolean);
  const place = [body.name, body.sys?.country].filter(Boolean).join(', ') || name;
  const parts = [
    conditions.length > 0 ? conditions.join(', ') : 'no conditions reported',
    `${round(body.main?.temp)} °C (feels like ${round(body.main?.feels_like)} °C)`,
    `humidity ${body.main?.humidity}%`,
    `wind ${round(body.wind?.speed)} m/s`,
  ];
  return `${place}: ${parts.join('; ')}`;
}

export { getWeather };
