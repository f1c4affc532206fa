// Wassette's `get-open-meteo-weather-js` world: the city found with
// Open-Meteo's geocoding API, then its current weather from the forecast
// API, through fetch() (StarlingMonkey's, on wasi:http). OPEN_METEO_GEOCODING_URL
// and OPEN_METEO_API_URL in the environment the policy allows replace the
// public endpoints.

import { getEnvironment } from 'wasi:cli/environment@0.2.12';

const GEOCODING = 'https://geocoding-api.open-meteo.com';
const FORECAST = 'https://api.open-meteo.com';

// WMO weather interpretation codes, as Open-Meteo reports them.
const CONDITIONS = {
  0: 'clear sky', 1: 'mainly clear', 2: 'partly cloudy', 3: 'overcast', 45: 'fog',
  48: 'rime fog', 51: 'light drizzle', 53: 'drizzle', 55: 'dense drizzle',
  61: 'light rain', 63: 'rain', 65: 'heavy rain', 66: 'freezing rain', 67: 'heavy freezing rain',
  71: 'light snow', 73: 'snow', 75: 'heavy snow', 77: 'snow grains', 80: 'light showers',
  81: 'showers', 82: 'violent showers', 85: 'snow showers', 86: 'heavy snow showers',
  95: 'thunderstorm', 96: 'thunderstorm with hail', 99: 'thunderstorm with heavy hail',
};

function env(key, fallback) {
  for (const [k, v] of getEnvironment()) if (k === key && v) return v.replace(/\/+$/, '');
  return fallback;
}

async function json(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw `network error: ${error?.message ?? error}`;
  }
  const text = await response.text();
  if (!response.ok) throw `HTTP ${response.status}: ${text.trim().slice(0, 200)}`;
  try {
    return JSON.parse(text);
  } catch {
    throw 'the weather service did not answer with JSON';
  }
}

async function getWeather(city) {
  const name = String(city).trim();
  if (name === '') throw 'city is empty';
  const geo = await json(
    `${env('OPEN_METEO_GEOCODING_URL', GEOCODING)}/v1/search?name=${encodeURIComponent(name)}&count=1`,
  );
  const place = geo?.results?.[0];
  if (!place) throw `no place called ${name}`;
  const params = new URLSearchParams({
    latitude: String(place.latitude),
    longitude: String(place.longitude),
    current: 'temperature_2m,relative_humidity_2m,wind_speed_10m,weather_code',
    wind_speed_unit: 'ms',
  });
  const now = (await json(`${env('OPEN_METEO_API_URL', FORECAST)}/v1/forecast?${params}`))?.current;
  if (!now) throw 'the weather service gave no current weather';
  const where = [place.name, place.country].filter(Boolean).join(', ');
  const conditions = CONDITIONS[now.weather_code] ?? `weather code ${now.weather_code}`;
  return `${where}: ${conditions}; ${now.temperature_2m} °C; humidity ${now.relative_humidity_2m}%; wind ${now.wind_speed_10m} m/s`;
}

export { getWeather };
