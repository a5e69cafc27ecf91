/**
 * Joining a book from an invite: keep the room, fetch the book from whoever is online, then write
 * this member's `member/join` (under the `approve` policy it waits for an admin's `member/admit`,
 * and both sides see the request: here, and on the admins' members screen).
 */
import { parseInvite, type Invite } from '../../net/invite.js';
import type { AppState } from './app.svelte.js';

import { isEngineError } from '../engine-error.js';

/**
 * `waiting`: the key was restored and the member's own latest entry is not known yet (no entry may
 * be signed, member/join included). `old`: the book this invite reached has moved to a newer
 * invite (its latest room/rekey's room check is not this invite's): a join here reaches nobody.
 */
export type JoinPhase = 'bad' | 'fetching' | 'ready' | 'waiting' | 'joining' | 'requested' | 'member' | 'failed' | 'old';

export class JoinFlow {
  phase = $state<JoinPhase>('fetching');
  error = $state<string | null>(null);
  /** While waiting for the own head: how many other copies were seen so far. */
  copies = $state(0);
  invite: Invite | null = null;
  /** The book says this invite is no longer the current one (see `old`). */
  private outdated = $state(false);
  private checkedEntries = -1;
  private started = false;

  constructor(
    private readonly app: AppState,
    fragment: string,
  ) {
    try {
      this.invite = parseInvite(fragment);
    } catch (e) {
      this.phase = 'bad';
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  get book(): string | null {
    return this.invite?.book ?? null;
  }

  /** Adds the book with its room to this device and starts its sync (once). */
  async start(): Promise<void> {
    if (this.invite === null || this.started) return;
    this.started = true;
    const { book, secret, signaling } = this.invite;
    const classroom = this.invite.classroom === true ? { classroom: true } : {};
    try {
      if (this.app.meta(book) === undefined) {
        await this.app.engine.call('addBook', [{ id: book, name: '', me: null, addedAt: Date.now(), ownHeadKnown: true, invite: { secret, signaling: [...signaling] }, ...classroom }]);
      } else if (this.app.meta(book)?.invite === undefined) {
        // A link never changes a book already here (its room, its signaling, or whether it is a
        // class book): a crafted link could otherwise move a villager's real book into another room.
        await this.app.engine.call('updateBook', [book, { invite: { secret, signaling: [...signaling] } }]);
      }
      await this.app.books.load();
      this.app.book(book);
      void this.app.sync(book, { secret, signaling });
    } catch (e) {
      this.phase = 'failed';
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Follows the book as it arrives: ready to join once its book/open is here; member once admitted. */
  update(): void {
    const book = this.book;
    if (book === null || this.phase === 'bad' || this.phase === 'joining' || this.phase === 'failed') return;
    const waiting = this.app.meta(book)?.ownHeadKnown === false;
    const s = this.app.book(book).summary;
    const me = this.app.identity?.publicKey;
    const mine = s?.members.find((m) => m.key === me);
    if (mine?.status === 'member') this.phase = 'member';
    else if (mine?.status === 'requested' || (this.phase === 'requested' && mine === undefined)) this.phase = 'requested';
    else if (this.outdated) this.phase = 'old';
    else if (s !== null && s.name !== '') this.phase = waiting ? 'waiting' : 'ready';
    else this.phase = 'fetching';
    if (s !== null && mine === undefined && s.entries !== this.checkedEntries) {
      this.checkedEntries = s.entries;
      void this.checkInvite(book);
    }
  }

  /** Asks the book whether this invite is still its room's (docs/GOSSIP.md "Old invites"). */
  private async checkInvite(book: string): Promise<void> {
    try {
      const r = await this.app.engine.call('roomState', [book]);
      this.outdated = r.inviteCurrent === false && r.secret === null;
    } catch {
      // The check is a courtesy: without it the screen stays as it was.
    }
  }

  /** Writes the member/join; `force` skips the wait for the own head after a restore (the screen explains the risk). */
  async join(name: string, force = false): Promise<void> {
    const book = this.book;
    if (book === null) return;
    this.phase = 'joining';
    this.error = null;
    try {
      const r = await this.app.append(book, 'member/join', { name }, force);
      this.phase = r.status === 'valid' ? 'member' : 'requested';
    } catch (e) {
      if (isEngineError(e, 'own-head-unknown')) {
        this.copies = Number(e.params.copies ?? 0);
        this.phase = 'waiting';
        return;
      }
      this.phase = 'failed';
      this.error = e instanceof Error ? e.message : String(e);
    }
  }
}
