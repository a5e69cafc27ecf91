/**
 * The Record screen's state: one draft per book and kind, kept in sessionStorage as the member
 * types, so leaving the screen (or reloading the page) loses nothing; cleared after a save.
 */
import { buildBody, emptyDraft, expenseFigures, reviveDraft, shareoutFigures, waitsFor, type Body, type Ctx, type Draft, type RecordKind } from './forms.js';

const PREFIX = 'village-ledger:draft:';

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** Where a saved entry stands, for the confirmation. */
export interface Saved {
  readonly id: string;
  readonly kind: RecordKind;
  /** The entry's verdict (valid | held). */
  readonly status: string;
  /** Member keys (or "admin") whose confirmation it waits for. */
  readonly waitingFor: readonly string[];
}

export class RecordForm {
  readonly book: string;
  readonly kind: RecordKind;
  private readonly ctx: () => Ctx;
  draft = $state<Draft>(null as unknown as Draft);
  /** The member pressed Save: show every message, also "this is empty". */
  tried = $state(false);
  busy = $state(false);
  /** The engine's refusal, as it said it. */
  failure = $state<string | null>(null);
  /** The engine's error code of the last failure (null for other errors): screens pick their hint by it. */
  failureCode = $state<string | null>(null);
  saved = $state<Saved | null>(null);

  readonly checked = $derived.by(() => buildBody(this.kind, this.draft, this.ctx()));
  readonly expense = $derived.by(() => this.kind === 'expense' ? expenseFigures(this.draft, this.ctx()) : null);
  readonly shareout = $derived.by(() => this.kind === 'fund/shareout' ? shareoutFigures(this.draft, this.ctx()) : null);
  readonly waits = $derived.by(() => this.checked.body === null ? [] : waitsFor(this.kind, this.checked.body, this.ctx()));

  constructor(book: string, kind: RecordKind, ctx: () => Ctx) {
    this.book = book;
    this.kind = kind;
    this.ctx = ctx;
    let stored: Partial<Draft> | null = null;
    try {
      const raw = storage()?.getItem(this.storageKey);
      if (raw) stored = JSON.parse(raw) as Partial<Draft>;
    } catch {
      stored = null;
    }
    this.draft = reviveDraft(kind, ctx(), stored);
  }

  get storageKey(): string {
    return `${PREFIX}${this.book}:${this.kind}`;
  }

  /** Writes the draft to sessionStorage (call after every change: an $effect on the draft does). */
  persist(): void {
    try {
      storage()?.setItem(this.storageKey, JSON.stringify(this.draft));
    } catch {
      // storage full or blocked: the draft lives while the page does
    }
  }

  /** Starts over (after a save, or when the member asks). */
  reset(): void {
    try {
      storage()?.removeItem(this.storageKey);
    } catch {
      // nothing stored
    }
    this.draft = emptyDraft(this.kind, this.ctx());
    this.tried = false;
    this.failure = null;
  }

  /** Whether the message of `field` should show now (typed-in problems at once, "empty" only after Save). */
  shows(field: string): boolean {
    const e = this.checked.errors[field];
    return e !== undefined && (this.tried || e.empty !== true);
  }

  /**
   * Signs and stores the entry through `append`; returns false (and shows what to fix) when the
   * form is not complete. The draft is cleared only when the entry was stored.
   */
  async submit(append: (kind: string, body: Body) => Promise<{ id: string; status: string }>, pendingOf: (id: string) => Promise<readonly string[] | null>): Promise<boolean> {
    this.tried = true;
    this.failure = null;
    const body = this.checked.body;
    if (body === null || this.busy) return false;
    this.busy = true;
    try {
      const r = await append(this.kind, body);
      const waiting = (await pendingOf(r.id).catch(() => null)) ?? this.waits;
      this.saved = { id: r.id, kind: this.kind, status: r.status, waitingFor: waiting };
      this.reset();
      return true;
    } catch (e) {
      this.failure = e instanceof Error ? e.message : String(e);
      this.failureCode = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : null;
      return false;
    } finally {
      this.busy = false;
    }
  }
}

/** The id of a field's message element ("payers.1" → "err-payers-1"). */
export function errId(field: string): string {
  return `err-${field.replaceAll('.', '-').replaceAll('/', '-')}`;
}
