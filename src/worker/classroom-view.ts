/**
 * What the projector shows of the book itself (issue 15): a strip of one member's chain (boxes
 * with short ids, `prev` and `links`), and what the book refused or flagged lately — each cheat of
 * the lab ends up as one of these, in this copy and (the houses' digests agreeing) in every copy.
 * Pure: reads a Book and the engine's list of refused inputs.
 */
import type { Book } from '../core/index.js';
import { toHex } from '../core/index.js';
import { pending } from '../core/money-views.js';
import { memberNames, nameOf } from '../core/views.js';
import type { RefusedInput } from './engine.js';

/** One box of the chain strip. */
export interface ChainBox {
  readonly seq: number;
  readonly id: string;
  /** The previous entry of the chain (null for the first). */
  readonly prev: string | null;
  /** Other entries this one names as seen. */
  readonly links: readonly string[];
  readonly kind: string;
  readonly status: string;
  readonly time: number;
}

/** Something the projector explains: a cheat's outcome, as the book decided it. */
export type ClassEvent =
  | { readonly type: 'refused'; readonly id: string | null; readonly reason: string; readonly at: number }
  | { readonly type: 'rejected'; readonly id: string; readonly reason: string; readonly author: string; readonly authorName: string; readonly at: number }
  | { readonly type: 'fork'; readonly author: string; readonly authorName: string; readonly seq: number; readonly ids: readonly [string, string]; readonly texts: readonly [string, string]; readonly at: number }
  | { readonly type: 'pending'; readonly id: string; readonly author: string; readonly authorName: string; readonly waitingFor: readonly string[]; readonly at: number };

export interface ClassroomView {
  readonly chain: readonly ChainBox[];
  readonly events: readonly ClassEvent[];
}

/** The last `limit` entries of `author`'s chain, oldest first (read from the book's chain index, not a walk of every entry). */
export function chainStrip(book: Book, author: string, limit = 12): ChainBox[] {
  return book.chainIds(author).slice(-limit).map((id) => {
    const e = book.entry(id)!.entry;
    return { seq: e.seq, id, prev: e.prev === undefined || e.seq === 1 ? null : toHex(e.prev), links: e.links.map((l) => toHex(l)), kind: e.kind, status: book.status(id)!, time: e.time };
  });
}

/** The text a projector shows of an entry: its note text cut to 80 characters, else its kind. */
const textOf = (book: Book, id: string): string => {
  const b = book.entry(id)?.entry.body;
  const t: unknown = b instanceof Map ? (b as Map<string, unknown>).get('text') : undefined;
  if (typeof t !== 'string') return book.entry(id)?.entry.kind ?? '';
  const chars = [...t];
  return chars.length > 80 ? `${chars.slice(0, 79).join('')}…` : t;
};

/**
 * The newest `limit` refusals, rejections, forks and loans waiting for a signature, newest first,
 * by when this copy stored them (`arrived`; an entry's own time is its author's to choose, and a
 * student dating entries in the future must not keep every slot), else by entry time.
 */
export function classEvents(book: Book, refused: readonly RefusedInput[], limit = 8, arrived: (id: string) => number | undefined = () => undefined): ClassEvent[] {
  const names = memberNames(book);
  const out: ClassEvent[] = [];
  // One event per refused input: the same input offered again (a reload's board restore, another
  // peer) is refused again, and is still one cheat.
  const seen = new Set<string>();
  for (const r of [...refused].reverse()) {
    if (r.id !== null) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
    }
    if (r.stored && r.id !== null) {
      const p = book.entry(r.id);
      if (p === undefined) continue;
      out.push({ type: 'rejected', id: r.id, reason: r.reason, author: p.authorHex, authorName: nameOf(names, p.authorHex), at: r.at });
    } else if (!r.stored) out.push({ type: 'refused', id: r.id, reason: r.reason, at: r.at });
  }
  for (const f of book.forks()) {
    const at = Math.max(arrived(f.ids[0]) ?? book.entry(f.ids[0])?.entry.time ?? 0, arrived(f.ids[1]) ?? book.entry(f.ids[1])?.entry.time ?? 0);
    out.push({ type: 'fork', author: f.author, authorName: nameOf(names, f.author), seq: f.seq, ids: f.ids, texts: [textOf(book, f.ids[0]), textOf(book, f.ids[1])], at });
  }
  for (const p of pending(book)) {
    const e = book.entry(p.id);
    if (e === undefined) continue;
    out.push({ type: 'pending', id: p.id, author: e.authorHex, authorName: nameOf(names, e.authorHex), waitingFor: p.waiting_for.map((k) => nameOf(names, k)), at: arrived(p.id) ?? e.entry.time });
  }
  return out.sort((a, b) => b.at - a.at).slice(0, limit);
}
