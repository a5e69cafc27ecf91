/**
 * The latest answer to a question a screen asks the worker (members, problems, an entry): every
 * request gets a generation number, and a reply is shown only if no newer request was made and
 * the screen is still there. So a slow reply to an old question (asked before entries arrived,
 * before a filter changed, before the member moved to another screen) never overwrites a newer
 * one or lands on a screen that has moved on.
 */
export class Latest<T> {
  value = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  /** The first answer (or error) has arrived. */
  loaded = $state(false);
  private generation = 0;

  /**
   * Asks again; the answer replaces the value if it is still the latest request. Returns a
   * function that drops this request (an $effect's teardown: the screen or its question changed).
   */
  load(ask: () => Promise<T>): () => void {
    const g = ++this.generation;
    void ask().then(
      (v) => {
        if (g !== this.generation) return;
        this.value = v;
        this.error = null;
        this.loaded = true;
      },
      (e: unknown) => {
        if (g !== this.generation) return;
        this.error = e instanceof Error ? e.message : String(e);
        this.loaded = true;
      },
    );
    return () => {
      if (g === this.generation) this.generation++;
    };
  }

  /** True while `g` is the current request (for multi-step loads). */
  current(g: number): boolean {
    return g === this.generation;
  }

  /** Drops whatever is in flight (the screen goes away). */
  drop(): void {
    this.generation++;
  }
}
