/**
 * The classroom (issue 15): the teacher's laptop starts a class book (open join, so scanning the
 * QR code is all a student does), shows its join link as a large QR code, lists who joined, and
 * starts a fresh book for each lesson. A class book is an ordinary book: the name says which
 * lesson it is, and this device remembers which books it started as classes (localStorage), so
 * "New lesson" and the books list can tell them apart.
 */
import type { AppState } from './app.svelte.js';
import { inviteLink } from '../../net/invite.js';

const STORAGE_KEY = 'village-ledger:classes';

/** A member of the class as the book and the room show them. */
export interface ClassMember {
  readonly key: string;
  readonly name: string;
  /** Is their phone in the room now (presence heard within 30 s)? Null for this device. */
  readonly online: boolean | null;
  readonly me: boolean;
}

/** Books this device started as classes, newest last. */
export function classBooks(): string[] {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const list = raw === null ? [] : (JSON.parse(raw) as unknown);
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)) : [];
  } catch {
    return [];
  }
}

function remember(book: string): void {
  const list = classBooks().filter((b) => b !== book);
  list.push(book);
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(list.slice(-50)));
  } catch {
    // storage full or blocked: the class still works, only the list of classes is not kept
  }
}

/** Starts a class book named `name` (open join, one unit of whole points) and its room; returns its id. */
export async function startClass(app: AppState, name: string): Promise<string> {
  const meta = await app.createBook({ name, units: [{ code: 'pts', decimals: 0 }], join: 'open' });
  await app.engine.call('updateBook', [meta.id, { classroom: true }]);
  await app.books.load();
  remember(meta.id);
  return meta.id;
}

/** Is this page opened at an address only this computer can reach (phones could not use its link)? */
export function loopbackPage(loc: Pick<Location, 'hostname'> = window.location): boolean {
  return loc.hostname === 'localhost' || loc.hostname === '::1' || loc.hostname === '[::1]' || /^127\./.test(loc.hostname);
}

/** The class screen's data: join link, members with online state, refreshed while it is shown. */
export class ClassState {
  members = $state<ClassMember[]>([]);
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly app: AppState,
    readonly book: string,
  ) {}

  /** The link a student's phone opens (what the QR code holds), or null while the book has no room. */
  link(): string | null {
    const invite = this.app.meta(this.book)?.invite;
    return invite === undefined ? null : inviteLink(window.location.href, { book: this.book, secret: invite.secret, signaling: invite.signaling, classroom: true });
  }

  /** Polls the room's presence (the sync keeps it in plain fields) and the book's members every second. */
  start(): () => void {
    void this.app.sync(this.book);
    void this.app.book(this.book).open();
    const tick = () => this.refresh();
    tick();
    this.timer = setInterval(tick, 1000);
    return () => {
      if (this.timer !== null) clearInterval(this.timer);
      this.timer = null;
    };
  }

  private refresh(): void {
    const me = this.app.identity?.publicKey ?? null;
    const summary = this.app.book(this.book).summary;
    const peers = this.app.syncNow(this.book)?.peersView() ?? [];
    this.members = (summary?.members ?? [])
      .filter((m) => m.status === 'member')
      .map((m) => ({ key: m.key, name: m.name, me: m.key === me, online: m.key === me ? null : peers.some((p) => p.key === m.key && p.online) }));
  }
}
