/**
 * The cheat lab (issue 15): operations that deliberately do wrong, so a class can watch every book
 * refuse them. Each is a real operation on real data — a real signature with the member's real key,
 * a real edit of the stored copy — and returns the bytes to put in front of the room (or nothing,
 * for the local edit). They are only reachable from the lab screen (screens/Lab.svelte), through
 * the engine worker's `cheat` call, and are named as cheats so no other code calls them by mistake.
 *
 *   forge      "write in someone else's name": an entry that claims `victim`'s key, signed with mine
 *              → every book refuses it (reason `signature`).
 *   backdate   "rewrite yesterday": my next entry dated a day before my previous one
 *              → every book rejects it (reason `time`).
 *   replay     "rewrite yesterday", the other way: an entry of mine from another book (a previous
 *              lesson's, or signed for one when there is none) sent into this one
 *              → every book refuses it (reason `book`).
 *   fork       "say two different things": two different entries at the same place in my chain
 *              → every book holds the fork proof and freezes my chain from there.
 *   alter      "change my copy": my stored copy of one of my entries with an amount or text changed
 *              → my audit names it (`altered`), the others' books are untouched, repair restores it.
 *   debt       "put someone in debt": a loan naming `victim` as borrower, signed by me alone
 *              → valid, but pending in every book until the borrower confirms it.
 */
import { encodeEntry, encodeSignedEntry, entryId, fromHex, nextDraft, sha256Bytes, signBytes, toHex, utf8Encode } from '../core/index.js';
import type { BookEngine } from './engine.js';

export type CheatKind = 'forge' | 'backdate' | 'replay' | 'fork' | 'alter' | 'debt';

/** What a cheat did: the signed entries to publish to the room (may be empty) and the ids involved. */
export interface CheatResult {
  readonly kind: CheatKind;
  readonly publish: Uint8Array[];
  readonly ids: string[];
}

const DAY = 86_400_000;

function myKey(engine: BookEngine) {
  return engine.key();
}

/** Runs one cheat in `bookId` at time `now`; `victim` (hex key) for forge and debt. */
export async function runCheat(engine: BookEngine, bookId: string, kind: CheatKind, now: number, victim?: string): Promise<CheatResult> {
  const r = await signCheat(engine, bookId, kind, now, victim);
  // My own copy checks what I signed like every other copy does (so it tells the truth about my
  // chain, and my next cheat or entry is placed after it, not beside it as a second fork).
  if (kind === 'forge' || kind === 'backdate' || kind === 'replay' || kind === 'fork') await engine.ingest(bookId, r.publish, 'lab');
  return r;
}

async function signCheat(engine: BookEngine, bookId: string, kind: CheatKind, now: number, victim?: string): Promise<CheatResult> {
  // A cheat really freezes or breaks the member's chain in this book: only in a class book, and
  // only one whose unit is the class's points (a crafted class link to a real book is not enough).
  const book = await engine.book(bookId);
  const units = book.info?.units ?? [];
  const points = units.length === 1 && units[0]!.code === 'pts' && units[0]!.decimals === 0;
  if ((await engine.store.getBook(bookId))?.classroom !== true || !points) throw new Error('The cheat lab works only in a class book (one started with “Start a class” or joined by its link).');
  const key = await myKey(engine);
  const me = toHex(key.publicKey);
  const sign = (author: Uint8Array, draft: Parameters<typeof encodeEntry>[1]) => {
    const entryBytes = encodeEntry(author, draft);
    const id = entryId(entryBytes);
    return { bytes: encodeSignedEntry(entryBytes, signBytes(id, key.secret)), id: toHex(id) };
  };
  switch (kind) {
    case 'forge': {
      if (victim === undefined || !/^[0-9a-f]{64}$/.test(victim) || victim === me) throw new Error('Choose another member whose name to write in.');
      // Their next entry as their own device would write it, but signed with my key.
      const e = sign(fromHex(victim), nextDraft(book, victim, 'note', { text: 'I owe everyone 100 points' }, now));
      return { kind, publish: [e.bytes], ids: [e.id] };
    }
    case 'backdate': {
      const prev = book.chainTip(me);
      if (prev === null) throw new Error('Write one entry of your own first: this cheat dates the next one before it.');
      const draft = nextDraft(book, me, 'note', { text: 'Written yesterday, honestly' }, now);
      // Linked entries stay: the entry claims a time before my previous entry (and before them).
      const e = sign(key.publicKey, { ...draft, time: prev.entry.time - DAY });
      return { kind, publish: [e.bytes], ids: [e.id] };
    }
    case 'replay': {
      // One of my real entries from another class book on this device (never from a real book: the
      // entry would be kept, rejected, in every copy of this one), else one signed for another book.
      for (const other of await engine.store.listBooks()) {
        if (other.id === bookId || other.me !== me || other.classroom !== true) continue;
        const tip = (await engine.book(other.id)).chainTip(me);
        if (tip !== null) return { kind, publish: [tip.bytes], ids: [tip.idHex] };
      }
      const elsewhere = sha256Bytes(utf8Encode(`yesterday's lesson ${bookId}`));
      const e = sign(key.publicKey, { ...nextDraft(book, me, 'note', { text: 'I paid 10 points (in yesterday’s book)' }, now), book: elsewhere });
      return { kind, publish: [e.bytes], ids: [e.id] };
    }
    case 'fork': {
      const a = sign(key.publicKey, nextDraft(book, me, 'note', { text: 'I paid 10 points' }, now));
      const b = sign(key.publicKey, nextDraft(book, me, 'note', { text: 'I paid nothing' }, now));
      return { kind, publish: [a.bytes, b.bytes], ids: [a.id, b.id] };
    }
    case 'alter': {
      const target = book.chainTip(me);
      if (target === null) throw new Error('Write one entry of your own first: this cheat changes your copy of it.');
      const stored = await engine.store.getEntry(bookId, target.idHex);
      if (stored === undefined) throw new Error('Your entry is not stored on this device.');
      // Change one byte of the body's text or amount in the stored copy (not the signature).
      const bytes = stored.bytes.slice();
      bytes[Math.floor((bytes.length - 64) * 0.8)]! ^= 0x01;
      await engine.store.putBatch(bookId, { entries: [{ ...stored, bytes }] }, { durability: 'strict' });
      return { kind, publish: [], ids: [target.idHex] };
    }
    case 'debt': {
      if (victim === undefined || !/^[0-9a-f]{64}$/.test(victim) || victim === me) throw new Error('Choose another member to put in debt.');
      const units = book.info?.units ?? [];
      const unit = units[0]?.code;
      if (unit === undefined) throw new Error('This book has no unit.');
      const r = await engine.append(bookId, 'loan', { lender: key.publicKey, borrower: fromHex(victim), unit, amount: 100 });
      return { kind, publish: [r.bytes], ids: [r.id] };
    }
  }
}
