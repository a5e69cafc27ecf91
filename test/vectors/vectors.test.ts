/**
 * The committed test vectors (DESIGN section 7: "changing a vector fails CI"):
 *   (a) scripts/make-vectors.ts regenerates every file byte for byte;
 *   (b) every book file's report, with the strict rule and with the node:crypto fast path, is the
 *       committed one;
 *   (c) the command line (`village-ledger verify FILE [--json]`) prints it and exits with the code;
 *   (d) ids and signatures check out with node:crypto alone (an independent implementation);
 *   (e) the Ed25519 speccheck cases get the rule's verdicts from every verifier.
 */
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateVectors, VECTORS_DIR } from '../../scripts/make-vectors.js';
import {
  BookFileError,
  decodeBookFile,
  decodeEntry,
  encodeCbor,
  fromHex,
  strictBatchVerifier,
  toHex,
  verifyBookFile,
  verifyBookFileBatched,
  verifyStrict,
  type CborInput,
  type VerifyReport,
} from '../../src/core/index.js';
import { createNodeSignatureCheck } from '../../src/platform/verify-node.js';
import { createWebCryptoVerifier } from '../../src/platform/verify-webcrypto.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BOOKS = join(VECTORS_DIR, 'books');

interface IndexEntry {
  index: number;
  label: string;
  id: string | null;
  bytes: number;
  author?: { publicKey: string; seed: string | null };
  otherVerifiers?: { cofactorlessLenient: boolean; zip215: boolean };
}
interface BookCaseJson {
  file: string;
  description: string;
  exit: 0 | 1 | 2;
  report: VerifyReport | null;
  entries?: IndexEntry[];
}
interface EntryJson {
  name: string;
  author: { seed: string; publicKey: string };
  value: Record<string, unknown>;
  entryBytes: string;
  id: string;
  sig: string;
  signed: string;
}
interface SpeccheckJson {
  case: number;
  message: string;
  pub_key: string;
  signature: string;
  valid: boolean;
  expected: boolean;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const index = readJson<{ cases: BookCaseJson[] }>(join(BOOKS, 'index.json')).cases;
const entriesJson = readJson<{ idPrefix: string; entries: EntryJson[] }>(join(VECTORS_DIR, 'entries.json'));
const speccheck = readJson<{ cases: SpeccheckJson[] }>(join(VECTORS_DIR, 'speccheck.json')).cases;
const bookBytes = (file: string): Uint8Array => new Uint8Array(readFileSync(join(BOOKS, file)));
const readable = index.filter((c) => c.exit !== 2);

// ------------------------------------------------------------------ independent helpers (node:crypto only)

const ID_PREFIX = Buffer.concat([Buffer.from('village-ledger/entry/v1', 'ascii'), Buffer.from([0])]);

function nodeId(entryBytes: Uint8Array): string {
  return createHash('sha256').update(ID_PREFIX).update(entryBytes).digest('hex');
}

function nodePublicKey(pub: Uint8Array) {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') }, format: 'jwk' });
}

function nodeVerifies(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  try {
    return nodeVerify(null, msg, nodePublicKey(pub), sig);
  } catch {
    return false;
  }
}

/** Splits a canonical signed entry `[bstr, bstr 64]` by hand (no project code). */
function splitByHand(b: Uint8Array): { entryBytes: Uint8Array; sig: Uint8Array } {
  expect(b[0]).toBe(0x82);
  let pos = 1;
  const bstr = (): Uint8Array => {
    const ib = b[pos]!;
    expect(ib >> 5).toBe(2);
    const ai = ib & 31;
    let len: number;
    if (ai < 24) [len, pos] = [ai, pos + 1];
    else if (ai === 24) [len, pos] = [b[pos + 1]!, pos + 2];
    else if (ai === 25) [len, pos] = [(b[pos + 1]! << 8) | b[pos + 2]!, pos + 3];
    else throw new Error('unexpected length');
    const out = b.subarray(pos, pos + len);
    pos += len;
    return out;
  };
  const entryBytes = bstr();
  const sig = bstr();
  expect(sig.length).toBe(64);
  expect(pos).toBe(b.length);
  return { entryBytes, sig };
}

// ------------------------------------------------------------------ (a)

describe('(a) the committed vectors are exactly what scripts/make-vectors.ts generates', () => {
  const generated = generateVectors();

  it.each([...generated.keys()])('%s', (rel) => {
    const path = join(VECTORS_DIR, rel);
    expect(existsSync(path), `${rel} is missing: run npx tsx scripts/make-vectors.ts`).toBe(true);
    const same = Buffer.compare(readFileSync(path), Buffer.from(generated.get(rel)!)) === 0;
    expect(same, `${rel} differs from the generator's output (a changed vector, or a changed core verdict)`).toBe(true);
  });

  it('books/ holds no file the generator does not write', () => {
    expect(readdirSync(BOOKS).filter((f) => !generated.has(`books/${f}`))).toEqual([]);
  });

  it('covers the exit codes and every reason word', () => {
    expect(new Set(index.map((c) => c.exit))).toEqual(new Set([0, 1, 2]));
    const reasons = new Set(readable.flatMap((c) => c.report!.invalid.map((i) => i.reason)));
    expect([...reasons].sort()).toEqual(['book', 'chain', 'encoding', 'fork', 'kind', 'links', 'permission', 'signature', 'time', 'too-large']);
    expect(readable.some((c) => c.report!.missing.length > 0)).toBe(true);
    expect(readable.some((c) => c.report!.forks.length > 0)).toBe(true);
  });
});

// ------------------------------------------------------------------ (b)

describe('(b) verifyBookFile gives the committed report', () => {
  it.each(readable.map((c) => [c.file, c] as const))('%s (strict rule and node:crypto fast path)', (_file, c) => {
    const file = decodeBookFile(bookBytes(c.file));
    const strict = verifyBookFile(file);
    expect(strict.report).toEqual(c.report);
    expect(strict.ok ? 0 : 1).toBe(c.exit);
    const fast = verifyBookFile(file, { checkSignature: createNodeSignatureCheck() });
    expect(fast.report).toEqual(c.report);
    expect(fast.ok).toBe(strict.ok);
  });

  it.each(readable.map((c) => [c.file, c] as const))('%s (batched: strict, and WebCrypto in Node behind the pre-checks)', async (_file, c) => {
    const file = decodeBookFile(bookBytes(c.file));
    const strict = await verifyBookFileBatched(file, strictBatchVerifier, { batchSize: 3 });
    expect(strict.report).toEqual(c.report);
    const webcrypto = await createWebCryptoVerifier();
    if (webcrypto !== null) {
      const fast = await verifyBookFileBatched(file, webcrypto);
      expect(fast.report).toEqual(c.report);
      expect(fast.ok).toBe(strict.ok);
    }
  });

  it.each(index.filter((c) => c.exit === 2).map((c) => [c.file] as const))('%s is not a readable book file', (file) => {
    expect(() => decodeBookFile(bookBytes(file))).toThrow(BookFileError);
  });
});

// ------------------------------------------------------------------ (c)

describe('(c) the command line: village-ledger verify FILE [--json]', () => {
  beforeAll(() => {
    // Build dist-node when it is missing or older than the sources it is built from.
    const main = join(ROOT, 'dist-node/cli/main.js');
    const newest = (dir: string): number =>
      readdirSync(dir, { withFileTypes: true }).reduce((m, d) => {
        const p = join(dir, d.name);
        return Math.max(m, d.isDirectory() ? newest(p) : d.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
      }, 0);
    const stale = !existsSync(main) || ['core', 'platform', 'cli'].some((d) => newest(join(ROOT, 'src', d)) > statSync(main).mtimeMs);
    if (stale) {
      const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.node.json'], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    }
  }, 120_000);

  const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/village-ledger.js'), 'verify', ...args], { cwd: ROOT, encoding: 'utf8' });

  it.each(index.map((c) => [c.file, c] as const))('%s --json', (_file, c) => {
    const r = cli(join(BOOKS, c.file), '--json');
    expect(r.status, r.stderr).toBe(c.exit);
    const out = JSON.parse(r.stdout) as unknown;
    if (c.exit === 2) {
      expect(out).toEqual({ error: expect.any(String) as string });
      expect(r.stderr).toContain('village-ledger verify');
    } else {
      expect(out).toEqual(c.report);
    }
  });

  it('human output of a valid book says OK', () => {
    const r = cli(join(BOOKS, 'valid-open.vlbook'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('8 entries, 8 valid, 0 invalid');
    expect(r.stdout).toContain('OK: every entry is valid');
  });

  it.each(readable.filter((c) => c.exit === 1).map((c) => [c.file, c] as const))('human output of %s names every reason word', (_file, c) => {
    const r = cli(join(BOOKS, c.file));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('NOT OK');
    for (const inv of c.report!.invalid) expect(r.stdout).toContain(`: ${inv.reason}`);
    for (const m of c.report!.missing) expect(r.stdout).toContain(`missing: ${m}`);
    for (const f of c.report!.forks) expect(r.stdout).toContain(`fork: author ${f.author}`);
  });

  it('an unreadable file gets exit code 2 and a message', () => {
    const r = cli(join(BOOKS, 'unreadable-wrong-format.vlbook'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not a book file');
  });
});

// ------------------------------------------------------------------ (d)

describe('(d) independent cross-check with node:crypto', () => {
  it.each(entriesJson.entries.map((e) => [e.name, e] as const))('entries.json: %s', (_name, e) => {
    const entryBytes = fromHex(e.entryBytes);
    const sig = fromHex(e.sig);
    expect(toHex(ID_PREFIX)).toBe(entriesJson.idPrefix);
    expect(nodeId(entryBytes)).toBe(e.id);
    expect(nodeVerifies(sig, fromHex(e.id), fromHex(e.author.publicKey))).toBe(true);
    // The key pair is the seed's (RFC 8032 §5.1.5), and signing is deterministic: same signature.
    const priv = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(e.author.seed, 'hex').toString('base64url'), x: Buffer.from(e.author.publicKey, 'hex').toString('base64url') },
      format: 'jwk',
    });
    expect(Buffer.from(createPublicKey(priv).export({ format: 'jwk' }).x!, 'base64url').toString('hex')).toBe(e.author.publicKey);
    expect(nodeSign(null, fromHex(e.id), priv).toString('hex')).toBe(e.sig);
    // signed = [entryBytes, sig], and the value shown is what entryBytes encodes.
    const split = splitByHand(fromHex(e.signed));
    expect(toHex(split.entryBytes)).toBe(e.entryBytes);
    expect(toHex(split.sig)).toBe(e.sig);
    expect(toHex(encodeCbor(valueToCbor(e.value)))).toBe(e.entryBytes);
    expect(e.value.author).toBe(e.author.publicKey);
  });

  it('entries.json covers both join policies, admit, Chinese and emoji text, and several sorted links', () => {
    const values = entriesJson.entries.map((e) => e.value as { kind: string; body: Record<string, unknown>; links: string[] });
    const opens = values.filter((v) => v.kind === 'book/open');
    expect(opens.map((v) => v.body.join).sort()).toEqual(['approve', 'open']);
    expect(opens.some((v) => (v.body.units as [string, number][]).some(([, d]) => d === 0) && /\p{Script=Han}/u.test(v.body.founder as string))).toBe(true);
    expect(values.some((v) => v.kind === 'member/join')).toBe(true);
    expect(values.some((v) => v.kind === 'member/admit')).toBe(true);
    expect(values.some((v) => v.kind === 'note' && /\p{Script=Han}/u.test(v.body.text as string) && /\p{Extended_Pictographic}/u.test(v.body.text as string))).toBe(true);
    const multi = values.filter((v) => v.links.length >= 3);
    expect(multi.length).toBeGreaterThan(0);
    for (const v of multi) expect([...v.links].sort()).toEqual(v.links);
  });

  it.each(index.filter((c) => c.exit === 0).map((c) => [c.file, c] as const))('every entry of %s', (_file, c) => {
    const file = decodeBookFile(bookBytes(c.file));
    expect(file.entries.length).toBe(c.entries!.length);
    file.entries.forEach((bytes, i) => {
      const meta = c.entries![i]!;
      const { entryBytes, sig } = splitByHand(bytes);
      const id = nodeId(entryBytes);
      expect(id).toBe(meta.id);
      const author = decodeEntry(entryBytes).author;
      expect(verifyStrict(sig, fromHex(id), author)).toBe(true);
      // A mixed-order key (valid-mixed-order-key) satisfies only the cofactored equation: OpenSSL's
      // cofactorless check rejects it, which is why a native rejection falls back to the rule.
      expect(nodeVerifies(sig, fromHex(id), author), meta.label).toBe(meta.otherVerifiers?.cofactorlessLenient ?? true);
    });
  });

  it('the forged small-order and non-canonical-key entries fool node:crypto alone (hence the pre-checks)', () => {
    let n = 0;
    for (const c of index.filter((x) => x.file === 'small-order-forgery.vlbook' || x.file === 'non-canonical-key.vlbook')) {
      const file = decodeBookFile(bookBytes(c.file));
      c.entries!.forEach((meta, i) => {
        if (meta.author === undefined || meta.author.seed !== null) return;
        const { entryBytes, sig } = splitByHand(file.entries[i]!);
        const id = fromHex(nodeId(entryBytes));
        expect(nodeVerifies(sig, id, fromHex(meta.author.publicKey)), meta.label).toBe(true);
        expect(verifyStrict(sig, id, fromHex(meta.author.publicKey))).toBe(false);
        expect(createNodeSignatureCheck()(sig, id, fromHex(meta.author.publicKey))).toBe(false);
        n++;
      });
    }
    expect(n).toBe(5);
  });
});

/** entries.json's `value` back to CBOR input: byte-string fields are lowercase hex there. */
function valueToCbor(v: Record<string, unknown>): CborInput {
  const out: Record<string, CborInput> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'book' || k === 'author' || k === 'prev') out[k] = fromHex(x as string);
    else if (k === 'links') out[k] = (x as string[]).map(fromHex);
    else if (k === 'body') {
      const body = { ...(x as Record<string, CborInput>) };
      if (typeof body.member === 'string') body.member = fromHex(body.member);
      out[k] = body;
    } else out[k] = x as CborInput;
  }
  return out;
}

// ------------------------------------------------------------------ (e)

describe('(e) Ed25519 speccheck cases', () => {
  it('speccheck.json is the shared file with `expected` = `valid`', () => {
    expect(speccheck).toHaveLength(15);
    for (const c of speccheck) expect(c.expected).toBe(c.valid);
    const shared = join(ROOT, '../shared/vectors/ed25519-speccheck.json');
    if (existsSync(shared)) {
      const orig = readJson<Record<string, unknown>[]>(shared);
      expect(speccheck.map(({ expected: _e, ...rest }) => rest)).toEqual(orig);
    }
  });

  it.each(speccheck.map((c) => [c.case, c] as const))('case %i: strict rule, node:crypto fast path and WebCrypto fast path agree with `expected`', async (_n, c) => {
    const [sig, msg, key] = [fromHex(c.signature), fromHex(c.message), fromHex(c.pub_key)];
    expect(verifyStrict(sig, msg, key)).toBe(c.expected);
    expect(createNodeSignatureCheck()(sig, msg, key)).toBe(c.expected);
    const webcrypto = await createWebCryptoVerifier();
    if (webcrypto !== null) expect(await webcrypto([{ sig, id: msg, author: key }])).toEqual([c.expected]);
  });
});
