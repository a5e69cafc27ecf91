// `npm start`'s entry, src/server/main.ts, as a process: flags, printed URLs, one port for the
// app and the signaling server, graceful shutdown.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { CSP } from '../../src/server/static.js';
import { Client, INDEX_HTML, isType, makeSite } from './helpers.js';

const main = fileURLToPath(new URL('../../src/server/main.ts', import.meta.url));
const site = makeSite();
afterAll(() => site.cleanup());

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    env: { ...process.env, HOST: '', PORT: '', ALLOWED_ORIGINS: '', ROOT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves with stdout once the banner is complete; rejects if the process exits first. */
  const banner = () =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (stdout.includes('Press Ctrl+C to stop.')) resolve(stdout);
      };
      child.stdout.on('data', check);
      check();
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
  return { child, banner, exited, out: () => stdout, err: () => stderr };
}

describe('npm start entry (src/server/main.ts)', () => {
  test('serves the app and the signaling server on one port, prints the URLs, stops on SIGTERM', async () => {
    const p = run(['--port', '0', '--root', site.root]);
    const banner = await p.banner();
    const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(banner)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(banner).toContain(`ws://127.0.0.1:${port}/signal`);
    expect(banner).toContain('--lan'); // the hint for phones on the network

    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(await res.text()).toBe(INDEX_HTML);

    const ws = await Client.open(`ws://127.0.0.1:${port}/signal`);
    await ws.sync();
    p.child.kill('SIGTERM');
    expect((await ws.closed).code).toBe(1001);
    expect(await p.exited).toBe(0);
    // Structured logs: JSON lines after the banner.
    const events = p
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { ev: string });
    expect(events.map((e) => e.ev)).toEqual(['listen', 'connect', 'shutdown', 'close']);
  });

  test('--lan listens on every interface and prints each LAN address', async () => {
    const p = run(['--lan', '--port', '0', '--root', site.root]);
    const banner = await p.banner();
    const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(banner)?.[1]);
    const lan = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const addr of lan) {
      expect(banner).toContain(`On the local network:  http://${addr}:${port}/`);
      expect(banner).toContain(`ws://${addr}:${port}/signal`);
    }
    if (lan.length > 0) {
      const res = await fetch(`http://${lan[0]}:${port}/`);
      expect(res.status).toBe(200);
    }
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  test('HOST/PORT/ALLOWED_ORIGINS from the environment', async () => {
    const p = run(['--root', site.root], { HOST: '127.0.0.1', PORT: '0', ALLOWED_ORIGINS: 'http://teacher.local:8080, self' });
    const banner = await p.banner();
    expect(banner).toContain('Signaling allowed for: http://teacher.local:8080, self');
    const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(banner)?.[1]);
    const ok = await Client.open(`ws://127.0.0.1:${port}/signal`, { headers: { Origin: `http://127.0.0.1:${port}` } });
    ok.send({ type: 'ping' });
    expect(await ok.waitFor((m) => m.some((x) => isType(x, 'pong')))).toBe(true);
    await expect(Client.open(`ws://127.0.0.1:${port}/signal`, { headers: { Origin: 'http://evil.example' } })).rejects.toThrow(/403/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  test('--source-maps serves *.map; without it they are 404', async () => {
    writeFileSync(join(site.root, 'assets', 'x.js.map'), '{"version":3}');
    for (const [flags, status] of [[[], 404], [['--source-maps'], 200]] as const) {
      const p = run(['--port', '0', '--root', site.root, ...flags]);
      const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(await p.banner())?.[1]);
      expect((await fetch(`http://127.0.0.1:${port}/assets/x.js.map`)).status).toBe(status);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    }
  });

  test('bad input: exit 2 with a message', async () => {
    const bad = run(['--port', 'eighty', '--root', site.root]);
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toContain('invalid port');
    const noBuild = run(['--port', '0', '--root', `${site.dir}/nowhere`]);
    expect(await noBuild.exited).toBe(2);
    expect(noBuild.err()).toContain('npm run build');
    const unknown = run(['--frobnicate']);
    expect(await unknown.exited).toBe(2);
  });
});
