// Resource subscriptions, per client session: which URIs each session asked
// to hear about, and telling those sessions when a resource changed (its
// component said so, was made anew, or went away).

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';

/** Most URIs one session may watch: a bound on what a client can make the server keep. */
export const MAX_SUBSCRIPTIONS = 1000;

export class Subscriptions {
  readonly #bySession = new Map<Server, Set<string>>();

  /** False when the session already watches as many URIs as it may. */
  add(session: Server, uri: string): boolean {
    let set = this.#bySession.get(session);
    if (!set) {
      set = new Set();
      this.#bySession.set(session, set);
    }
    if (!set.has(uri) && set.size >= MAX_SUBSCRIPTIONS) return false;
    set.add(uri);
    return true;
  }

  remove(session: Server, uri: string): void {
    this.#bySession.get(session)?.delete(uri);
  }

  /** Forget a session that ended. */
  drop(session: Server): void {
    this.#bySession.delete(session);
  }

  /** Every URI some session watches. */
  watched(): Set<string> {
    const out = new Set<string>();
    for (const set of this.#bySession.values()) for (const uri of set) out.add(uri);
    return out;
  }

  /** Tell each session watching `uri` that it changed. */
  updated(uri: string): void {
    for (const [session, set] of this.#bySession) {
      if (!set.has(uri)) continue;
      session.sendResourceUpdated({ uri }).catch(() => {
        // A session that went away does not need telling.
      });
    }
  }
}
