// The `time` world. `Date` reads wasi:clocks/wall-clock.

export function getCurrentTime() {
  return new Date().toISOString();
}
