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
  /** Each member's stance on this entry (`stances`: a confirm is final). */
  stances = $state<{ author: string; kind: string; id: string; reason: string | null }[]>([]);
  /** The action being prepared (its confirmation step or reason form is open). */
  open = $state<Action | null>(null);
  reason = $state('');
  reasonError = $state(false);
  busy = $state(false);
  /** The engine's refusal of the last action, in its own words. */
  refused = $state<string | null>(null);
  /** The latest reversal naming this entry (pending, disputed or counted), with who still has to sign it. */
  reversal = $state<{ id: string; author: string; time: number; status: string; waitingFor: readonly string[] } | null>(null);
  /** For a reversal: the entry it takes out. */
  target = $state<{ id: string; kind: string; author: string } | null>(null);
  /** Each load gets a number; a reply to an older one (entries arrived meanwhile, the screen went away) is dropped. */
  private generation = 0;

  constructor(
    private readonly app: AppState,
    readonly book: string,
    readonly id: string,
  ) {}

  /**
   * Reads the entry again (after entries arrived). Returns a function that drops this read: an
   * $effect's teardown, so a late reply never lands after the screen or its question changed.
   */
  load(): () => void {
    const g = ++this.generation;
    void this.read(g);
    return () => {
      if (g === this.generation) this.generation++;
    };
  }

  /** Drops any read in flight (the screen goes away). */
  drop(): void {
    this.generation++;
  }

  private async read(g: number): Promise<void> {
    try {
      const d = await this.app.engine.call('entry', [this.book, this.id]);
      if (g !== this.generation) return;
      const refs = d === null ? null : await this.readRefs(d);
      if (g !== this.generation) return;
      this.detail = d;
      this.error = null;
      this.loaded = true;
      if (refs !== null) {
        this.stances = refs.stances;
        this.reversal = refs.reversal;
        this.target = refs.target;
      }
    } catch (e) {
      if (g !== this.generation) return;
      this.error = e instanceof Error ? e.message : String(e);
      this.loaded = true;
    }
  }

  private async readRefs(d: EntryDetail): Promise<{ stances: EntryView['stances']; reversal: EntryView['reversal']; target: EntryView['target'] }> {
    const refs = d.referredBy.filter((r) => r.kind === 'confirm' || r.kind === 'dispute' || r.kind === 'reverse').slice(0, STANCE_READS);
    const targetId = d.kind === 'reverse' ? entryOf(d.body) : null;
    const [details, target] = await Promise.all([
      Promise.all(refs.map((r) => this.app.engine.call('entry', [this.book, r.id]))),
      targetId === null ? Promise.resolve(null) : this.app.engine.call('entry', [this.book, targetId]),
    ]);
    const valid = details.filter((x): x is EntryDetail => x !== null && x.status === 'valid');
    const read = valid.filter((x) => x.kind !== 'reverse').map((x) => ({ author: x.author, seq: x.seq, kind: x.kind, id: x.id, reason: reasonOf(x.body) }));
    const reversals = valid.filter((x) => x.kind === 'reverse' && x.money !== null && x.money.status !== 'reversed');
    const last = reversals.find((x) => x.money!.status === 'counted') ?? reversals.at(-1) ?? null;
    return {
      stances: stances(read, d.author).map(({ author, kind, id, reason }) => ({ author, kind, id, reason })),
      reversal: last === null ? null : { id: last.id, author: last.author, time: last.time, status: last.money!.status, waitingFor: last.money!.waitingFor },
      target: target === null ? null : { id: target.id, kind: target.kind, author: target.author },
    };
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
      await this.read(++this.generation);
      return true;
    } catch (e) {
      this.refused = e instanceof Error ? e.message : String(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

/** The entry a confirm, dispute or reversal names (its body's `entry`, as hex). */
function entryOf(body: unknown): string | null {
  if (body !== null && typeof body === 'object' && 'entry' in body && typeof body.entry === 'string' && /^[0-9a-f]{64}$/.test(body.entry)) return body.entry;
  return null;
}

function reasonOf(body: unknown): string | null {
  if (body !== null && typeof body === 'object' && 'reason' in body) {
    const r = body.reason;
    return typeof r === 'string' ? r : null;
  }
  return null;
}
