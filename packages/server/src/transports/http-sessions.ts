// The live MCP sessions of the HTTP transport: one SDK transport and one low-level
// Server each, found by `Mcp-Session-Id`, capped in number and closed when idle.

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from 'pino';
import type { Principal } from '../access/principal.js';

export interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: Server;
  /** Set by the SDK transport once it has accepted the `initialize` request. */
  readonly id: string | undefined;
  /** Who opened it: only the same identity may use it. */
  readonly principal: Principal;
}

interface SessionState extends Session {
  id: string | undefined;
  /** Open HTTP exchanges (pending POSTs, an SSE stream); a session is idle only at zero. */
  active: number;
  idleTimer: NodeJS.Timeout | undefined;
  closed: boolean;
}

export interface SessionTableOptions {
  readonly createServer: (principal: Principal) => Server;
  readonly maxSessions: number;
  readonly idleMs: number;
  readonly log: Logger;
}

/** Session ids act as capabilities; logs carry only a prefix. */
function tag(id: string | undefined): string {
  return id === undefined ? '(uninitialised)' : `${id.slice(0, 8)}…`;
}

export class SessionTable {
  readonly #byId = new Map<string, SessionState>();
  /** Every session not yet closed, including those still initialising; counts against the cap. */
  readonly #live = new Set<SessionState>();
  readonly #options: SessionTableOptions;

  constructor(options: SessionTableOptions) {
    this.#options = options;
  }

  /** Initialised sessions. */
  get size(): number {
    return this.#byId.size;
  }

  get(id: string): Session | undefined {
    return this.#byId.get(id);
  }

  hasRoom(): boolean {
    return this.#live.size < this.#options.maxSessions;
  }

  /** A new session of `principal`, connected to a fresh server, waiting for its `initialize` request. */
  async open(principal: Principal): Promise<Session> {
    const { log } = this.#options;
    const state: SessionState = {
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => {
          if (state.closed) return;
          state.id = id;
          this.#byId.set(id, state);
          log.info({ session: tag(id), sessions: this.#byId.size }, 'session started');
        },
      }),
      server: this.#options.createServer(principal),
      id: undefined,
      principal,
      active: 0,
      idleTimer: undefined,
      closed: false,
    };
    // Set before connect: the Server chains its own handlers after these.
    state.transport.onclose = () => this.#forget(state);
    state.transport.onerror = (err) => {
      log.debug({ session: tag(state.id), err }, 'session transport error');
    };
    this.#live.add(state);
    try {
      await state.server.connect(state.transport);
    } catch (err) {
      await this.close(state);
      throw err;
    }
    return state;
  }

  /** Marks one HTTP exchange on `session` as open until `res` closes. */
  track(session: Session, res: ServerResponse): void {
    const state = session as SessionState;
    state.active += 1;
    if (state.idleTimer !== undefined) {
      clearTimeout(state.idleTimer);
      state.idleTimer = undefined;
    }
    res.once('close', () => {
      state.active -= 1;
      if (state.active === 0 && !state.closed && state.id !== undefined) this.#armIdle(state);
    });
  }

  async close(session: Session): Promise<void> {
    const state = session as SessionState;
    try {
      // Closing the server closes its transport, which ends the session's SSE streams.
      await state.server.close();
      await state.transport.close();
    } catch (err) {
      this.#options.log.warn({ session: tag(state.id), err }, 'error while closing a session');
    } finally {
      this.#forget(state);
    }
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#live].map((state) => this.close(state)));
  }

  #armIdle(state: SessionState): void {
    state.idleTimer = setTimeout(() => {
      state.idleTimer = undefined;
      this.#options.log.info({ session: tag(state.id) }, 'session idle; closing it');
      void this.close(state);
    }, this.#options.idleMs);
    state.idleTimer.unref();
  }

  #forget(state: SessionState): void {
    if (state.closed) return;
    state.closed = true;
    if (state.idleTimer !== undefined) clearTimeout(state.idleTimer);
    this.#live.delete(state);
    if (state.id !== undefined && this.#byId.delete(state.id)) {
      this.#options.log.info(
        { session: tag(state.id), sessions: this.#byId.size },
        'session ended',
      );
    }
  }
}
