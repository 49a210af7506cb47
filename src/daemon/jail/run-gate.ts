// Runs of one jail share its pid namespace and uid, so the code of one run can read another's memory
// (/proc/<pid>/mem). A run that may receive a credential therefore runs alone in its jail: no other run
// is there to read the token from it, and none starts until it has ended (its processes with it).

/** How long a run waits for its turn before it is refused. */
const WAIT_MS = 60_000;

export class RunGate {
  private shared = 0;
  private alone = false;
  private readonly waiting: { readonly alone: boolean; readonly admit: () => void }[] = [];

  /** Waits for the run's turn; the returned function ends it. Rejects after a minute of waiting. */
  enter(alone: boolean): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        alone,
        admit: () => {
          clearTimeout(timer);
          resolve(this.leaver(alone));
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(waiter);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(
          new Error(
            alone
              ? "a command that talks to a remote runs alone in the agent's jail, and other commands of this agent did not end within a minute"
              : "a command that talks to a remote held the agent's jail for over a minute",
          ),
        );
        this.admitNext();
      }, WAIT_MS);
      this.waiting.push(waiter);
      this.admitNext();
    });
  }

  private leaver(alone: boolean): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (alone) this.alone = false;
      else this.shared--;
      this.admitNext();
    };
  }

  /** In arrival order: a run alone when nothing runs; shared runs while no run is alone. */
  private admitNext(): void {
    while (this.waiting.length > 0 && !this.alone) {
      const next = this.waiting[0];
      if (next === undefined) return;
      if (next.alone) {
        if (this.shared > 0) return;
        this.alone = true;
      } else this.shared++;
      this.waiting.shift();
      next.admit();
    }
  }
}
