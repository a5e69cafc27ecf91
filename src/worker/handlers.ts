/**
 * The engine's methods as the page calls them (`Engine.call(method, args)`), one handler per
 * method, typed from BookEngine itself (in the style of Actual Budget's loot-core handlers): each
 * handler's arguments are the BookEngine method's own parameters (`Parameters<BookEngine[M]>`,
 * minus the progress callback, which cannot cross the worker boundary and is passed by the
 * context instead), and `EngineApi` is derived from this map. A signature change in BookEngine
 * therefore fails to compile here and in every caller on the page, and there is no switch to forget.
 *
 * The worker (engine.worker.ts) dispatches to this map; Node tests and the UI state tests use the
 * same map in-process (in-process.ts).
 */
import { runCheat } from './cheats.js';
import type { BookEngine, Progress } from './engine.js';

/** What a handler gets besides its arguments. */
export interface HandlerContext {
  readonly engine: BookEngine;
  /** Progress of long work, reported to the caller under the same request. */
  readonly progress: Progress;
}

type P<M extends keyof BookEngine> = BookEngine[M] extends (...a: infer A) => unknown ? A : never;
type C = HandlerContext;

export const handlers = {
  /** This device's identity and how its key is kept (never the secret), or null. */
  identity: (c: C) => c.engine.identityInfo(),
  /** What this browser offers: a device key to seal the key with, Web Locks across tabs. */
  deviceInfo: (c: C) => c.engine.deviceInfo(),
  /** Creates this device's key with a display name; a PIN turns the app lock on (required without a device key). */
  createIdentity: (c: C, ...a: P<'createIdentity'>) => c.engine.createIdentity(...a),
  /** Changes this device's display name for books created or joined from now on. */
  renameIdentity: (c: C, ...a: P<'renameIdentity'>) => c.engine.renameIdentity(...a),
  /** Opens the app lock with its PIN or passphrase. */
  unlock: (c: C, ...a: P<'unlock'>) => c.engine.unlock(...a),
  /** Forgets the opened key while the app lock is on. */
  lock: (c: C) => c.engine.lock(),
  /** Turns the app lock on (PIN) or off (null). */
  setAppLock: (c: C, ...a: P<'setAppLock'>) => c.engine.setAppLock(...a),
  /** A key backup (file and recovery code), sealed with the passphrase unless it is null. */
  keyBackup: (c: C, ...a: P<'keyBackup'>) => c.engine.keyBackup(...a),
  /** Restores a key from a backup file or a recovery code. */
  restoreKey: (c: C, ...a: P<'restoreKey'>) => c.engine.restoreKey(...a),
  listBooks: (c: C) => c.engine.listBooks(),
  /** Creates a book founded by this device's member; `invite` is the room secret and signaling kept for gossip. */
  createBook: (c: C, ...a: P<'createBook'>) => c.engine.createBook(...a),
  summary: (c: C, ...a: P<'summary'>) => c.engine.summary(...a),
  /** Loads the whole book (with progress) and returns its fresh summary. */
  open: (c: C, book: P<'open'>[0]) => c.engine.open(book, c.progress),
  ingest: (c: C, book: P<'ingest'>[0], inputs: Uint8Array[], source: P<'ingest'>[2]) => c.engine.ingest(book, inputs, source, c.progress),
  /** Signs, checks and (when the rules accept it) stores this member's next entry; `force` skips the wait for the own head. */
  append: (c: C, book: P<'append'>[0], kind: P<'append'>[1], body: P<'append'>[2], force?: boolean) => c.engine.append(book, kind, body, { force: force === true }),
  /** What another member's copy holds of this member's chain (presence digest): ends or starts the wait for the own head. */
  ownHeadSeen: (c: C, ...a: P<'ownHeadSeen'>) => c.engine.ownHeadSeen(...a),
  audit: (c: C, book: P<'audit'>[0]) => c.engine.audit(book, c.progress),
  exportBook: (c: C, ...a: P<'exportBook'>) => c.engine.exportBook(...a),
  importBook: (c: C, file: P<'importBook'>[0]) => c.engine.importBook(file, c.progress),
  csv: (c: C, ...a: P<'csv'>) => c.engine.csv(...a),
  addBook: (c: C, ...a: P<'addBook'>) => c.engine.addBook(...a),
  entryBytes: (c: C, book: string, ids: string[]) => c.engine.entryBytes(book, ids),
  allEntries: (c: C, ...a: P<'allEntries'>) => c.engine.allEntries(...a),
  /** Every entry id the book holds, 32 bytes each end to end (the board's restore skips them). */
  entryIds: (c: C, ...a: P<'entryIds'>) => c.engine.entryIds(...a),
  docState: (c: C, ...a: P<'docState'>) => c.engine.docState(...a),
  saveDocState: (c: C, ...a: P<'saveDocState'>) => c.engine.saveDocState(...a),
  /** Balances of one fund's accounts (savings:, debt:, fund:, pool:) by unit, for the share-out proposal. */
  fundAccounts: (c: C, ...a: P<'fundAccounts'>) => c.engine.fundAccounts(...a),
  /** What was refused for the book (inputs never stored, and entries a rule rejected), oldest first. */
  rejected: (c: C, ...a: P<'rejected'>) => c.engine.rejected(...a),
  /** Fork proofs of the book: author, seq and the two entry ids. */
  forks: (c: C, ...a: P<'forks'>) => c.engine.forks(...a),
  /** The projector's chain strip of one member and the book's latest refusals, forks and pending loans. */
  classroom: (c: C, ...a: P<'classroom'>) => c.engine.classroom(...a),
  /** How many entries the book holds, and its state digest, for tests. */
  digest: (c: C, ...a: P<'digest'>) => c.engine.digest(...a),
  /** Presence digest of this copy: counts, state digest, per-author heads. */
  bookDigest: (c: C, ...a: P<'bookDigest'>) => c.engine.bookDigest(...a),
  /** Replaces one damaged stored record with a good copy (see `audit`). */
  repair: (c: C, ...a: P<'repair'>) => c.engine.repair(...a),
  /** Sets what this device keeps about a book besides its entries (the room invite, the display name). */
  updateBook: (c: C, ...a: P<'updateBook'>) => c.engine.updateBook(...a),
  /** Removes a book and everything stored about it from this device. */
  forgetBook: (c: C, ...a: P<'forgetBook'>) => c.engine.forgetBook(...a),
  /** The room this member's copy implies: latest rekey epoch, its secret if boxed to this key, removed or not. */
  roomState: (c: C, ...a: P<'roomState'>) => c.engine.roomState(...a),
  /** Admin: a new room secret boxed to every admitted member but `without` (a room/rekey entry). */
  rekeyRoom: (c: C, ...a: P<'rekeyRoom'>) => c.engine.rekeyRoom(...a),
  homeView: (c: C, ...a: P<'homeView'>) => c.engine.homeView(...a),
  /** Cheap keys of what the book's screens show: equal keys mean the summary / home view are unchanged. */
  viewKeys: (c: C, ...a: P<'viewKeys'>) => c.engine.viewKeys(...a),
  /** The cheat lab only (screens/Lab.svelte): a deliberate wrong operation, see worker/cheats.ts. */
  cheat: (c: C, ...a: Parameters<typeof runCheat> extends [unknown, ...infer R] ? R : never) => runCheat(c.engine, ...a),
  journal: (c: C, ...a: P<'journal'>) => c.engine.journal(...a),
  entry: (c: C, ...a: P<'entry'>) => c.engine.entry(...a),
  members: (c: C, ...a: P<'members'>) => c.engine.members(...a),
  series: (c: C, ...a: P<'series'>) => c.engine.series(...a),
  problems: (c: C, ...a: P<'problems'>) => c.engine.problems(...a),
} satisfies Record<string, (c: C, ...args: never[]) => Promise<unknown>>;

type Handlers = typeof handlers;
type Rest<T> = T extends [unknown, ...infer R] ? R : never;

/** The engine's methods as the page calls them: arguments and (awaited) results, derived from the handlers. */
export type EngineApi = { [M in keyof Handlers]: (...args: Rest<Parameters<Handlers[M]>>) => Awaited<ReturnType<Handlers[M]>> };

/** An engine method name. */
export type EngineMethod = keyof EngineApi;

/** Whether `name` is an engine method (the worker refuses anything else). */
export function isEngineMethod(name: unknown): name is EngineMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(handlers, name);
}

/** Runs one engine call through the map (the worker's dispatch, and the in-process engine's). */
export function dispatch<M extends EngineMethod>(ctx: HandlerContext, method: M, args: Parameters<EngineApi[M]>): Promise<ReturnType<EngineApi[M]>> {
  const h = handlers[method] as unknown as (c: HandlerContext, ...a: Parameters<EngineApi[M]>) => Promise<ReturnType<EngineApi[M]>>;
  return h(ctx, ...args);
}
