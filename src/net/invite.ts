/**
 * Invites (DESIGN §4): the book id, the room secret and the signaling address travel in the URL
 * *fragment* — browsers never send it to a server — as a link and, the same text, as a QR code:
 *
 *   https://laptop.local:8080/#join&book=<64 hex>&secret=<base64url, ≥ 16 bytes>&signal=<ws(s) URL>
 *
 * `signal` may repeat (several servers). Parsing is strict and says what is wrong.
 */

/** What an invite carries. */
export interface Invite {
  readonly book: string;
  readonly secret: string;
  readonly signaling: readonly string[];
  /** A class book (the link of "Start a class"): the joining device offers the cheat lab in it. */
  readonly classroom?: boolean;
}

/** The longest invite fragment accepted (a QR code holds about 4,000 characters at most). */
export const MAX_INVITE_LENGTH = 2000;

/** Why an invite could not be read. */
export class InviteError extends Error {
  override readonly name = 'InviteError';
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Base64url (no padding) of random bytes: a room secret. */
export function encodeSecret(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The invite link for `appUrl` (the app's address, e.g. http://192.168.1.10:8080/). */
export function inviteLink(appUrl: string, invite: Invite): string {
  check(invite);
  const params = new URLSearchParams({ book: invite.book, secret: invite.secret });
  for (const s of invite.signaling) params.append('signal', s);
  if (invite.classroom === true) params.set('class', '1');
  const base = appUrl.split('#')[0]!;
  return `${base}#join&${params.toString()}`;
}

/** Reads an invite from a link or a bare fragment. Throws InviteError naming what is wrong. */
export function parseInvite(linkOrFragment: string): Invite {
  if (linkOrFragment.length > MAX_INVITE_LENGTH + 200) throw new InviteError('This invite is too long to be a Village Ledger invite.');
  const hash = linkOrFragment.includes('#') ? linkOrFragment.slice(linkOrFragment.indexOf('#') + 1) : linkOrFragment;
  if (!hash.startsWith('join&')) throw new InviteError('This is not a Village Ledger invite (it should contain "#join&").');
  const params = new URLSearchParams(hash.slice(5));
  const invite: Invite = { book: params.get('book') ?? '', secret: params.get('secret') ?? '', signaling: params.getAll('signal'), ...(params.get('class') === '1' ? { classroom: true } : {}) };
  check(invite);
  return invite;
}

function check(i: Invite): void {
  if (!/^[0-9a-f]{64}$/.test(i.book)) throw new InviteError('The invite has no valid book id (64 hexadecimal characters). Ask for a new invite.');
  if (!B64URL.test(i.secret) || i.secret.length < 22) throw new InviteError('The invite has no valid room secret. Ask for a new invite.');
  if (i.signaling.length === 0 || i.signaling.length > 4) throw new InviteError('The invite must name one to four signaling servers.');
  for (const s of i.signaling) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new InviteError(`The invite's signaling address "${s.slice(0, 80)}" is not a URL.`);
    }
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new InviteError(`The invite's signaling address must start with ws:// or wss://, not ${u.protocol}`);
  }
}
