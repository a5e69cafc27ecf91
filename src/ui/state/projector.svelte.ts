/**
 * The projector view's state (issue 15): every member of the class book as a house, and how the
 * newest entries spread, from what the copies themselves report — each member's presence digest
 * (src/core/compare.ts: per-author chain heads, entry count, state digest), never a timer. An
 * entry (author A, position s in A's chain) is in house X's book when X's digest says X holds A's
 * chain unbroken to s or beyond. The teacher's own copy is the reference for "agrees".
 */
import type { AppState } from './app.svelte.js';
import type { BookDigest } from '../../core/index.js';
import type { ChainBox, ClassEvent } from '../../worker/classroom-view.js';

/** One house on the projector. */
export interface House {
  readonly key: string;
  readonly name: string;
  readonly me: boolean;
  readonly online: boolean;
  /** Entries its copy holds (claimed by its digest), null before its first digest. */
  readonly entries: number | null;
  /** Its state digest equals the teacher's copy's (identical books); null when unknown. */
  readonly agrees: boolean | null;
  /** It holds the entry being followed. */
  readonly holds: boolean;
}

/** An entry being followed: its author, its place in their chain, and who has stored it. */
export interface Travel {
  readonly author: string;
  readonly authorName: string;
  readonly seq: number;
  readonly id: string;
  readonly holders: number;
  readonly books: number;
}

const headOf = (d: BookDigest | null, author: string): number => d?.heads?.find((h) => h.author === author.slice(0, 8))?.have ?? 0;

export class ProjectorState {
  houses = $state<House[]>([]);
  travel = $state<Travel | null>(null);
  /** The member whose chain the strip shows: chosen on screen, else the author being followed. */
  chosen = $state<string | null>(null);
  chain = $state<readonly ChainBox[]>([]);
  /** The book's latest refusals, rejections, forks and pending loans (each cheat of the lab ends as one). */
  events = $state<readonly ClassEvent[]>([]);
  /** Milliseconds the last refresh took (for the projector_frame benchmark hook). */
  lastMs = 0;
  private mine: BookDigest | null = null;
  private asking = false;

  constructor(
    private readonly app: AppState,
    readonly book: string,
  ) {}

  /** Refreshes 4 times a second while shown; returns the stop function. */
  start(): () => void {
    void this.app.sync(this.book);
    void this.app.book(this.book).open();
    const timer = setInterval(() => this.refresh(), 250);
    // The strip and the events come from the engine (one member's chain and the refusals):
    // once a second is enough for a class to read them, and never two requests at once.
    const slow = setInterval(() => void this.ask(), 1000);
    this.refresh();
    void this.ask();
    return () => {
      clearInterval(timer);
      clearInterval(slow);
    };
  }

  /** The member whose chain is shown. */
  get chainOf(): string | null {
    return this.chosen ?? this.travel?.author ?? this.houses.find((h) => !h.me)?.key ?? this.houses[0]?.key ?? null;
  }

  /** Shows `key`'s chain now. */
  choose(key: string): void {
    this.chosen = key;
    void this.ask();
  }

  async ask(): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    try {
      const v = await this.app.engine.call('classroom', [this.book, this.chainOf, 12]);
      this.chain = v.chain;
      this.events = v.events;
    } catch {
      // the next second asks again (the book may still be opening)
    } finally {
      this.asking = false;
    }
  }

  refresh(): void {
    const t0 = performance.now();
    const sync = this.app.syncNow(this.book);
    const summary = this.app.book(this.book).summary;
    if (sync === undefined || summary === null) return;
    const copies = sync.roomCopies();
    const mine = copies.find((c) => c.me)?.digest ?? null;
    // A new entry: an author whose chain grew in my copy since the last refresh is followed next.
    let travel = this.travel;
    if (mine !== null) {
      for (const h of mine.heads ?? []) {
        if (h.have > headOf(this.mine, h.author) && this.mine !== null) {
          const author = summary.members.find((m) => m.key.startsWith(h.author));
          travel = { author: author?.key ?? h.author, authorName: author?.name ?? h.author, seq: h.have, id: h.id, holders: 0, books: 0 };
        }
      }
      this.mine = mine;
    }
    const members = summary.members.filter((m) => m.status === 'member');
    const houses: House[] = members.map((m) => {
      const c = copies.find((x) => x.key === m.key);
      const d = c?.digest ?? null;
      return {
        key: m.key,
        name: m.name,
        me: c?.me === true,
        online: c?.online === true,
        entries: d?.entries ?? null,
        agrees: d === null || mine === null ? null : d.state === mine.state,
        holds: travel !== null && headOf(d, travel.author) >= travel.seq,
      };
    });
    this.houses = houses;
    this.travel = travel === null ? null : { ...travel, holders: houses.filter((h) => h.holds).length, books: houses.length };
    this.lastMs = performance.now() - t0;
  }
}
