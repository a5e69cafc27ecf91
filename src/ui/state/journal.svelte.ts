/**
 * The journal screen's state: its filters (the search text debounced), the query they make, and
 * the virtualised rows fetched page by page from the worker.
 */
import type { JournalQuery, JournalRow } from '../../worker/protocol.js';
import { dayMs } from '../components/entry-words.js';
import { PagedRows } from '../components/paged-rows.svelte.js';
import type { EngineClient as Engine } from '../engine.js';

export type JournalFilter = Omit<JournalQuery, 'offset' | 'limit'>;

/** The query of the filter fields ('' = any); an error key when the dates make no sense. */
export function buildQuery(f: { member: string; kind: string; unit: string; from: string; to: string; text: string }): { query: JournalFilter; error: 'journal.badDate' | 'journal.badRange' | null } {
  const from = f.from === '' ? null : dayMs(f.from);
  const to = f.to === '' ? null : dayMs(f.to, true);
  const q: { -readonly [K in keyof JournalFilter]: JournalFilter[K] } = {};
  if (f.member !== '') q.member = f.member;
  if (f.kind !== '') q.kind = f.kind;
  if (f.unit !== '') q.unit = f.unit;
  if (from !== null) q.from = from;
  if (to !== null) q.to = to;
  const text = f.text.trim();
  if (text !== '') q.text = text;
  const error = (f.from !== '' && from === null) || (f.to !== '' && to === null) ? 'journal.badDate' : from !== null && to !== null && from > to ? 'journal.badRange' : null;
  return { query: q, error };
}

export class JournalView {
  member = $state('');
  kind = $state('');
  unit = $state('');
  from = $state('');
  to = $state('');
  /** What is typed in the search box; `search` follows it after a pause. */
  text = $state('');
  search = $state('');
  readonly built = $derived(buildQuery({ member: this.member, kind: this.kind, unit: this.unit, from: this.from, to: this.to, text: this.search }));
  /** The filters as one string: a change means "fetch again". */
  readonly key = $derived(JSON.stringify(this.built.query));
  readonly rows: PagedRows<JournalRow>;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(engine: Engine, book: string) {
    this.rows = new PagedRows<JournalRow>((offset, limit) => engine.call('journal', [book, { ...this.built.query, offset, limit }]));
  }

  get filtered(): boolean {
    return this.key !== '{}';
  }

  /** The search box changed: search after a short pause in typing. */
  typed(text: string, delay = 300): void {
    this.text = text;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.search = this.text;
    }, delay);
  }

  clear(): void {
    this.member = this.kind = this.unit = this.from = this.to = this.text = this.search = '';
  }
}
