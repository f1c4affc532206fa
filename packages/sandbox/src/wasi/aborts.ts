// Exceptions that end a guest's run on purpose. Host functions let these
// through; every other exception inside a host function becomes an errno.

export class GuestAbort extends Error {}

/** The guest called `proc_exit`. */
export class ProcExit extends GuestAbort {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** The guest wrote more than its output limit. */
export class OutputLimitExceeded extends GuestAbort {
  constructor(
    readonly stream: 'stdout' | 'stderr',
    readonly limit: number,
  ) {
    super(`the guest wrote more than ${limit} bytes to ${stream}`);
  }
}

/** The embedder cancelled the call (seen at the next host call). */
export class Cancelled extends GuestAbort {
  constructor() {
    super('the call was cancelled');
  }
}

/**
 * A trial run (on the calling thread, metered) met something only a full run
 * may do: a host call that reaches outside memory, or the end of its budget.
 * Nothing it did is kept; the call runs again in a worker.
 */
export class Unsettled extends GuestAbort {
  constructor(readonly reason: string) {
    super(`a trial run cannot settle this call: ${reason}`);
  }
}
