// Wassette's `time-server-js` world. `Date` reads wasi:clocks/wall-clock.

export const time = {
  getCurrentTime() {
    return new Date().toISOString();
  },
};
