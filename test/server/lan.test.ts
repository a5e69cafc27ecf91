/** GET /lan.json: the addresses phones can open, as the invite screen shows them at 127.0.0.1. */
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lanUrls } from '../../src/server/lan.js';
import { makeSite, startTestServer, type TestServer } from './helpers.js';

describe('/lan.json', () => {
  const site = makeSite();
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(site.root);
  });
  afterAll(async () => {
    await s.close();
    site.cleanup();
  });

  it('lists this computer\'s network addresses on the server\'s port and says it listens on loopback only', async () => {
    const r = await fetch(`${s.url}/lan.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('content-security-policy')).toBeTruthy();
    const body = (await r.json()) as { listening: boolean; urls: string[] };
    expect(body.listening).toBe(false);
    const expected = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal && a.family === 'IPv4')
      .map((a) => `http://${a!.address}:${s.app.port}/`)
      .sort();
    expect(body.urls).toEqual(expected);
    expect(body.urls).toEqual(lanUrls(s.app.port));
    for (const u of body.urls) expect(u).not.toContain('127.0.0.1');
  });

  it('refuses other methods', async () => {
    expect((await fetch(`${s.url}/lan.json`, { method: 'POST' })).status).toBe(405);
  });
});
