/// <reference lib="webworker" />
/**
 * The engine worker: every signature check and every book computation of the page runs here,
 * behind the typed messages of protocol.ts.
 */
import { runCheat } from './cheats.js';
import {
  append,
  Book,
  BookFileError,
  decodeBookFile,
  encodeBookFile,
  keyPairFromSeed,
  openBook,
  sha256Bytes,
  strictBatchVerifier,
  toHex,
  utf8Encode,
  verifyBookFileBatched,
  type BatchVerifier,
} from '../core/index.js';
import { balancesCsv, journalCsv, statementCsv } from '../core/index.js';
import { createWebCryptoVerifier } from '../platform/verify-webcrypto.js';
import { openIdbStore } from '../store/idb.js';
import { BookEngine } from './engine.js';
import type { BookVerdict, EngineApi, EngineReply, EngineRequest } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

let fastVerifier: Promise<BatchVerifier | null> | null = null;
function verifierFor(fast: boolean): Promise<{ verify: BatchVerifier; name: 'webcrypto' | 'strict' }> {
  if (!fast) return Promise.resolve({ verify: strictBatchVerifier, name: 'strict' });
  fastVerifier ??= createWebCryptoVerifier();
  return fastVerifier.then((v) => (v === null ? { verify: strictBatchVerifier, name: 'strict' } : { verify: v, name: 'webcrypto' }));
}

function reply(msg: EngineReply, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

async function handle(req: EngineRequest): Promise<unknown> {
  switch (req.type) {
    case 'verify-book': {
      const { verify, name } = await verifierFor(req.fast);
      const t0 = performance.now();
      const file = decodeBookFile(req.file);
      const r = await verifyBookFileBatched(file, verify, {
        onProgress: (done, total) => reply({ rid: req.rid, type: 'progress', done, total }),
      });
      const verdict: BookVerdict = {
        report: r.report,
        ok: r.ok,
        name: r.book.info?.name ?? null,
        members: r.book.members(),
        details: r.details,
        verifier: name,
        ms: performance.now() - t0,
      };
      return verdict;
    }
    case 'verify-signatures': {
      const { verify } = await verifierFor(req.fast);
      return verify(req.jobs);
    }
    case 'ingest-timed': {
      // Benchmark: bytes to state, signatures included, on this thread (one core for the JS part).
      const { verify, name } = await verifierFor(req.fast);
      const file = decodeBookFile(req.file);
      const t0 = performance.now();
      const r = await verifyBookFileBatched(file, verify);
      return { ms: performance.now() - t0, valid: r.report.valid, entries: r.report.entries, verifier: name };
    }
    case 'demo-book':
      return demoBook(req.seed, req.time, req.tamper);
    case 'call':
      return callEngine(req.rid, req.method, req.args);
  }
}

let enginePromise: Promise<BookEngine> | null = null;
function engine(): Promise<BookEngine> {
  enginePromise ??= (async () => {
    const store = await openIdbStore();
    const { verify } = await verifierFor(true);
    return new BookEngine({ store, verify, now: () => Date.now(), random: (n) => crypto.getRandomValues(new Uint8Array(n)) });
  })();
  return enginePromise;
}

/** Dispatches an EngineApi call; progress of long calls goes back under the same request id. */
async function callEngine(rid: number, method: keyof EngineApi, args: readonly unknown[]): Promise<unknown> {
  const e = await engine();
  const progress = (done: number, total: number) => reply({ rid, type: 'progress', done, total });
  const a = args as never[];
  switch (method) {
    case 'identity': {
      const id = await e.identityInfo();
      return id;
    }
    case 'createIdentity':
      return e.createIdentity(a[0]!);
    case 'renameIdentity':
      return e.renameIdentity(a[0]!);
    case 'keyBackup':
      return e.keyBackup(a[0]!);
    case 'restoreKey':
      return e.restoreKey(a[0]!, a[1]!, a[2]!);
    case 'listBooks':
      return e.listBooks();
    case 'createBook':
      return e.createBook(a[0]!, a[1]);
    case 'summary':
      return e.summary(a[0]!);
    case 'open':
      return e.open(a[0]!, progress);
    case 'ingest':
      return e.ingest(a[0]!, a[1]!, a[2]!, progress);
    case 'append':
      return e.append(a[0]!, a[1]!, a[2]!, { force: a[3] === true });
    case 'audit':
      return e.audit(a[0]!, progress);
    case 'exportBook':
      return e.exportBook(a[0]!);
    case 'importBook':
      return e.importBook(a[0]!, progress);
    case 'csv': {
      const book = await e.book(a[0]!);
      const what = a[1] as unknown as 'journal' | 'balances' | 'statement';
      return what === 'journal' ? journalCsv(book) : what === 'balances' ? balancesCsv(book) : statementCsv(book, a[2]!);
    }
    case 'fundAccounts': {
      const book = await e.book(a[0]!);
      const fund: string = a[1]!;
      const out: { account: string; unit: string; amount: string }[] = [];
      for (const [account, units] of book.money.allBalances()) {
        if (account.split(':')[1] !== fund) continue;
        for (const [unit, v] of units) out.push({ account, unit, amount: v.toString() });
      }
      return out;
    }
    case 'rejected':
      return e.rejected(a[0]!);
    case 'forks':
      return e.forks(a[0]!);
    case 'digest':
      return e.digest(a[0]!);
    case 'bookDigest':
      return e.bookDigest(a[0]!);
    case 'repair':
      return e.repair(a[0]!, a[1]!, a[2]!);
    case 'addBook':
      return e.addBook(a[0]!);
    case 'entryBytes':
      return e.entryBytes(a[0]!, a[1]!);
    case 'allEntries':
      return e.allEntries(a[0]!);
    case 'docState':
      return (await e.store.getDocState(a[0]!)) ?? null;
    case 'saveDocState':
      return e.store.putDocState(a[0]!, a[1]!);
    case 'updateBook':
      return e.updateBook(a[0]!, a[1]!);
    case 'forgetBook':
      return e.forgetBook(a[0]!);
    case 'homeView':
      return e.homeView(a[0]!, a[1]!, a[2]!);
    case 'viewKeys':
      return e.viewKeys(a[0]!, a[1]!, a[2]!);
    case 'cheat':
      return runCheat(e, a[0]!, a[1]!, a[2]!, a[3]);
    case 'journal':
      return e.journal(a[0]!, a[1]!);
    case 'entry':
      return e.entry(a[0]!, a[1]!);
    case 'members':
      return e.members(a[0]!);
    case 'series':
      return e.series(a[0]!, a[1]!, a[2]!);
    case 'problems':
      return e.problems(a[0]!);
    default:
      throw new Error(`The engine has no method "${String(method)}" (the page and the worker are from different versions: reload the page).`);
  }
}

/** A small sample book for the demo page: three villagers, a loan note, optionally one altered entry. */
function demoBook(seed: Uint8Array, time: number, tamper: boolean): Uint8Array {
  const key = (n: number) => keyPairFromSeed(sha256Bytes(Uint8Array.from([...seed, n])));
  const [zhang, li, wang] = [key(1), key(2), key(3)];
  const open = openBook(zhang, { name: 'Demo village', units: [{ code: 'CNY', decimals: 2 }], join: 'open', founder: 'Zhang San' }, time);
  const book = new Book(open.id);
  book.ingest(open.bytes);
  append(book, li, toHex(li.publicKey), 'member/join', { name: 'Li Si' }, time + 1000);
  append(book, wang, toHex(wang.publicKey), 'member/join', { name: 'Wang Wu' }, time + 2000);
  append(book, zhang, toHex(zhang.publicKey), 'note', { text: 'Zhang San borrowed 500 from Li Si' }, time + 3000);
  append(book, li, toHex(li.publicKey), 'note', { text: 'Confirmed: I lent Zhang San 500' }, time + 4000);
  append(book, wang, toHex(wang.publicKey), 'note', { text: 'Heard and written down. 听到了，记下了。' }, time + 5000);
  const entries = book.signedEntries();
  if (tamper) {
    // Someone edits the loan in their copy (500 → 100, same length, so the CBOR stays well-formed):
    // the id changes and the author's signature no longer matches.
    const needle = utf8Encode('borrowed 500');
    for (let i = 0; i < entries.length; i++) {
      const at = indexOf(entries[i]!, needle);
      if (at < 0) continue;
      const altered = Uint8Array.from(entries[i]!);
      altered.set(utf8Encode('borrowed 100'), at);
      entries[i] = altered;
    }
  }
  return encodeBookFile(book.id, entries);
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

self.onmessage = (ev: MessageEvent<EngineRequest>) => {
  const req = ev.data;
  handle(req).then(
    (result) => reply({ rid: req.rid, type: 'ok', result }),
    (e: unknown) =>
      reply({
        rid: req.rid,
        type: 'error',
        message: e instanceof BookFileError || (e instanceof Error && ['EngineError', 'StoreError', 'KeyBackupError'].includes(e.name)) ? e.message : `engine failure: ${e instanceof Error ? e.message : String(e)}`,
      }),
  );
};
