/**
 * The entry screen's state: the entry's proof from the worker, the members' stances on it (with
 * dispute reasons, read from the confirm and dispute entries naming it), and the member's actions
 * (confirm, dispute, reverse) with their outcome.
 */
import { fromHex } from '../../core/bytes.js';
import type { EntryDetail } from '../../worker/protocol.js';
import { stances } from '../components/entry-words.js';
import type { AppState } from './app.svelte.js';

export type Action = 'confirm' | 'dispute' | 'reverse';

/** At most this many confirms/disputes are read for the stances (an entry has a handful of parties). */
const STANCE_READS = 40;

export class EntryView {
  detail = $state<EntryDetail | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Each member's latest confirm or dispute of this entry. */
  stances = $state<{ author: string; kind: string; id: string; reason: string | null }[]>([]);
  /** The action being prepared (its confirmation step or reason form is open). */
  open = $state<Action | null>(null);
  reason = $state('');
  reasonError = $state(false);
  busy = $state(false);
  /** The engine's refusal of the last action, in its own words. */
  refused = $state<string | null>(null);

  constructor(
    private readonly app: AppState,
    readonly book: string,
    readonly id: string,
  ) {}

  async load(): Promise<void> {
    try {
      const d = await this.app.engine.call('entry', [this.book, this.id]);
      this.detail = d;
      this.error = null;
      this.loaded = true;
      if (d !== null) await this.loadStances(d);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.loaded = true;
    }
  }

  private async loadStances(d: EntryDetail): Promise<void> {
    const refs = d.referredBy.filter((r) => r.kind === 'confirm' || r.kind === 'dispute').slice(0, STANCE_READS);
    const details = await Promise.all(refs.map((r) => this.app.engine.call('entry', [this.book, r.id])));
    const read = details.flatMap((x) =>
      x === null || x.status !== 'valid'
        ? []
        : [{ author: x.author, seq: x.seq, kind: x.kind, id: x.id, reason: reasonOf(x.body) }],
    );
    this.stances = stances(read).map(({ author, kind, id, reason }) => ({ author, kind, id, reason }));
  }

  start(action: Action): void {
    this.open = action;
    this.refused = null;
    this.reasonError = false;
  }

  cancel(): void {
    this.open = null;
    this.reasonError = false;
  }

  /** Writes the confirm, dispute or reversal; the engine checks the rules and may refuse. */
  async submit(): Promise<boolean> {
    const action = this.open;
    if (action === null || this.busy) return false;
    const reason = this.reason.trim();
    if (action !== 'confirm' && (reason.length === 0 || [...reason].length > 500)) {
      this.reasonError = true;
      return false;
    }
    this.busy = true;
    this.refused = null;
    try {
      const entry = fromHex(this.id);
      const body = action === 'confirm' ? { entry } : { entry, reason };
      const r = await this.app.append(this.book, action, body);
      if (r.status === 'rejected') throw new Error(r.status);
      this.open = null;
      this.reason = '';
      await this.load();
      return true;
    } catch (e) {
      this.refused = e instanceof Error ? e.message : String(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

function reasonOf(body: unknown): string | null {
  if (body !== null && typeof body === 'object' && 'reason' in body) {
    const r = body.reason;
    return typeof r === 'string' ? r : null;
  }
  return null;
}
