import { describe, expect, test } from 'vitest';
import { encodeSecret, inviteLink, InviteError, parseInvite } from '../../src/net/invite.js';

const book = 'ab'.repeat(32);
const secret = encodeSecret(new Uint8Array(16).fill(7));

describe('invites', () => {
  test('a link round trips, with the secret only in the fragment', () => {
    const link = inviteLink('http://192.168.1.10:8080/', { book, secret, signaling: ['ws://192.168.1.10:8080/signal'] });
    expect(link.split('#')[0]).toBe('http://192.168.1.10:8080/'); // nothing secret before the fragment
    expect(parseInvite(link)).toEqual({ book, secret, signaling: ['ws://192.168.1.10:8080/signal'] });
    expect(parseInvite(link.slice(link.indexOf('#')))).toEqual(parseInvite(link));
  });

  test('a class link says it is one (class=1); other links do not', () => {
    const i = { book, secret, signaling: ['ws://a/signal'], classroom: true };
    const link = inviteLink('http://village.test:8080/', i);
    expect(link).toContain('&class=1');
    expect(parseInvite(link)).toEqual(i);
    expect(parseInvite(link.replace('&class=1', '&class=yes')).classroom).toBeUndefined();
    expect(inviteLink('http://x/', { book, secret, signaling: ['ws://a/signal'] })).not.toContain('class');
  });

  test('several signaling servers', () => {
    const i = { book, secret, signaling: ['ws://a/signal', 'wss://b.example/signal'] };
    expect(parseInvite(inviteLink('https://x/', i))).toEqual(i);
  });

  test.each([
    ['not an invite', 'http://x/#settings', /not a Village Ledger invite/],
    ['bad book id', `#join&book=xyz&secret=${secret}&signal=ws://a/`, /book id/],
    ['short secret', `#join&book=${book}&secret=abc&signal=ws://a/`, /room secret/],
    ['http signaling', `#join&book=${book}&secret=${secret}&signal=http://a/`, /ws:\/\/ or wss:\/\//],
    ['no signaling', `#join&book=${book}&secret=${secret}`, /one to four/],
    ['garbage URL', `#join&book=${book}&secret=${secret}&signal=%%%`, /not a URL|ws:\/\//],
  ])('%s: a clear message', (_name, text, message) => {
    expect(() => parseInvite(text)).toThrow(InviteError);
    expect(() => parseInvite(text)).toThrow(message);
  });
});
