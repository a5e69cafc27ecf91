/**
 * The cheat lab on a student's phone (issue 15): each button runs one deliberate wrong operation
 * in the engine (worker/cheats.ts), puts what it signed in front of the room, and then says what
 * this phone's own checks found. What the other books did is on the projector.
 */
import type { AppState } from './app.svelte.js';
import type { CheatKind } from '../../worker/cheats.js';

/** The last cheat's outcome on this phone, for the screen. */
export interface LabOutcome {
  readonly kind: CheatKind;
  readonly ids: readonly string[];
  /** Audit findings (alter) or repaired records, as counts. */
  readonly findings?: number;
  readonly repaired?: number;
}

export class LabState {
  busy = $state(false);
  outcome = $state<LabOutcome | null>(null);
  error = $state<string | null>(null);

  constructor(
    private readonly app: AppState,
    readonly book: string,
  ) {}

  /** Runs a cheat; forge and debt need the other member's key. */
  async run(kind: CheatKind, victim?: string): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      const sync = await this.app.sync(this.book);
      const r = await this.app.engine.call('cheat', [this.book, kind, Date.now(), victim]);
      if (r.publish.length > 0) sync?.publishCheat(r.publish);
      if (kind === 'alter') {
        const audit = await this.app.engine.call('audit', [this.book]);
        this.outcome = { kind, ids: r.ids, findings: audit.findings.length };
      } else {
        this.outcome = { kind, ids: r.ids };
      }
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
    }
  }

  /** After "change my copy": repairs the altered records from the other members' good copies. */
  async repair(): Promise<void> {
    const o = this.outcome;
    if (o?.kind !== 'alter') return;
    this.busy = true;
    try {
      const sync = await this.app.sync(this.book);
      const results = (await sync?.repair(o.ids, { timeoutMs: 20_000 })) ?? [];
      const audit = await this.app.engine.call('audit', [this.book]);
      this.outcome = { ...o, repaired: results.filter((x) => x.ok).length, findings: audit.findings.length };
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
    }
  }
}
