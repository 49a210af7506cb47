/** Bounds how many commands run at once; waits in a bounded queue, refuses politely beyond it. */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly maxWaiting = Math.max(1024, max * 16),
  ) {}

  /** Resolves with a release function, or with undefined when the queue is full. */
  async acquire(): Promise<(() => void) | undefined> {
    if (this.active >= this.max) {
      if (this.waiting.length >= this.maxWaiting) return undefined;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }

  get running(): number {
    return this.active;
  }
}

/**
 * The daemon's bound, and within it each agent's share (half the slots, at least one): a single agent
 * that fills its share with long runs leaves the other half to the rest.
 */
export class FairConcurrency {
  private readonly global: ConcurrencyLimit;
  private readonly perAgent = new Map<string, ConcurrencyLimit>();
  private readonly share: number;

  constructor(max: number) {
    this.global = new ConcurrencyLimit(max);
    this.share = Math.max(1, Math.ceil(max / 2));
  }

  /** A release function once `agent` has a slot of its share and one of the daemon's; undefined: queue full. */
  async acquire(agent: string): Promise<(() => void) | undefined> {
    let own = this.perAgent.get(agent);
    if (own === undefined) {
      own = new ConcurrencyLimit(this.share);
      this.perAgent.set(agent, own);
    }
    const releaseOwn = await own.acquire();
    if (!releaseOwn) return undefined;
    const releaseGlobal = await this.global.acquire();
    if (!releaseGlobal) {
      releaseOwn();
      return undefined;
    }
    return () => {
      releaseGlobal();
      releaseOwn();
    };
  }

  get running(): number {
    return this.global.running;
  }
}

/** `[exec] concurrent = false`: one run at a time per key (agent + command), in arrival order. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async lock(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let unlock: () => void = () => undefined;
    const current = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    return () => {
      unlock();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
