/**
 * Seeded multi-replica simulation of a village book (DESIGN sections 2 and 7), shared by the
 * vitest suite (simulation.test.ts) and the long-run script (long-run.ts).
 *
 * N in-memory replicas, each with its own member key and `Book`. The founder opens the book, the
 * others join (member/join) at random steps, some late; under the `approve` policy the founder
 * admits each joiner once it sees the join (sometimes later, sometimes before the join arrives).
 * Every replica writes concurrently (notes; the founder also admits) with its own skewed clock,
 * broadcasting each entry; honest replicas relay some of what they receive. The network delivers
 * a random pending message at each step, duplicates and drops some (senders retry), and splits the
 * replicas into partitions for a while. Anti-entropy exchanges (what the peer lacks, or the whole
 * set) run at random steps. Replicas also restart from their stored entries (in shuffled order)
 * and rebuild from scratch mid-run; both must leave the state byte-identical.
 *
 * Optionally one replica is hostile (adversary.ts): forks, re-signed entries, replays from another
 * book, garbage, forgeries and rule-breaking sybils. Optionally (governance) admins, as their own
 * copy shows them, grant and revoke admin rights, admit, and remove members (the founder is never
 * a target), sometimes two admins removing each other at once (FORMAT.md section 10).
 *
 * At the end: heal, retry everything lost, then anti-entropy rounds (first the missing entries, then
 * every replica's full set to every other) until a round changes nothing. Then every honest replica
 * must hold the same entries (same ids, same stored bytes), byte-identical `stateBytes()`, every
 * honest entry valid (with governance: valid until its author was removed or lost the right to an
 * admin action, and nothing else), incremental state equal to `rebuild()` and to a fresh book fed
 * the set in another order, the verifier's report on their book files in agreement, and, with the
 * adversary, exactly the fork proofs its equivocations imply and none against honest authors.
 *
 * Everything random comes from one seed (prng.ts); a failure names the command that repeats it.
 */
import {
  Book,
  decodeBookFile,
  encodeBookFile,
  equalBytes,
  fromHex,
  keyPairFromSeed,
  openBook,
  append,
  parseSignedEntry,
  toHex,
  verifyBookFile,
  type IngestResult,
  type JoinPolicy,
  type MemberInfo,
  type ParsedEntry,
} from '../../src/core/index.js';
import { Adversary, type AdversaryStats } from './adversary.js';
import { Network, type NetworkStats } from './network.js';
import { Prng } from './prng.js';
import { Replica, SignatureMemo } from './replica.js';

export interface SimConfig {
  readonly seed: number;
  /** Replicas in all, the adversary included. */
  readonly replicas: number;
  readonly policy: JoinPolicy;
  readonly adversary: boolean;
  /** Admins grant and revoke admin rights and remove members (member/role, member/remove). */
  readonly governance: boolean;
  readonly steps: number;
}

export interface SimOverrides {
  readonly replicas?: number | undefined;
  readonly policy?: JoinPolicy | undefined;
  readonly adversary?: boolean | undefined;
  readonly governance?: boolean | undefined;
  readonly steps?: number | undefined;
}

export interface SimReport {
  readonly config: SimConfig;
  /** Entries signed by honest replicas (all valid everywhere at the end). */
  readonly honestEntries: number;
  /** Distinct entries every honest replica holds at the end (any status). */
  readonly entries: number;
  readonly valid: number;
  readonly held: number;
  readonly rejected: number;
  readonly frozen: number;
  readonly forks: number;
  readonly net: NetworkStats;
  readonly finalRounds: number;
  readonly reloads: number;
  readonly rebuilds: number;
  /** Times an honest entry arrived somewhere and had to wait (held). */
  readonly heldOnArrival: number;
  /** Honest entries that link to an entry that ended frozen (linked before the fork was known). */
  readonly linksToFrozen: number;
  readonly inputRejections: number;
  readonly signatureChecks: number;
  readonly adversary: AdversaryStats | null;
  /** Admin actions (grants, revokes, removals, admits by non-founders) and removals among them. */
  readonly governanceActs: number;
  readonly removals: number;
  /** Honest entries that did not count in the end (with governance only: removals, lost rights). */
  readonly honestNotValid: number;
  /** Members removed in the final state. */
  readonly removed: number;
}

/** The vitest file that runs the simulation (for repro commands). */
export const SIM_TEST_FILE = 'test/sim/simulation.test.ts';

/**
 * The configuration a seed implies: 5–7 replicas, the join policy, whether one is hostile, and
 * the number of steps. Drawn from its own stream so overrides do not shift the simulation's.
 */
export function simConfig(seed: number, o: SimOverrides = {}): SimConfig {
  const s = seed >>> 0;
  const r = new Prng((s ^ 0x243f6a88) >>> 0);
  const replicas = r.range(5, 7);
  const policy: JoinPolicy = r.chance(0.5) ? 'approve' : 'open';
  const adversary = r.chance(0.4);
  const steps = r.range(200, 280);
  const governance = r.chance(0.35);
  return {
    seed: s,
    replicas: o.replicas ?? replicas,
    policy: o.policy ?? policy,
    adversary: o.adversary ?? adversary,
    governance: o.governance ?? governance,
    steps: o.steps ?? steps,
  };
}

export function describeConfig(c: SimConfig): string {
  return `${c.replicas} replicas, ${c.policy}, ${c.adversary ? 'adversary' : 'honest'}${c.governance ? ', governance' : ''}, ${c.steps} steps`;
}

/** The command that repeats one seed exactly (with the same overrides, if any). */
export function reproCommand(seed: number, o: SimOverrides = {}): string {
  const overridden = Object.values(o).some((v) => v !== undefined);
  if (!overridden) return `SIM_SEED=${seed >>> 0} npx vitest run ${SIM_TEST_FILE}`;
  const flags = [
    `--from ${seed >>> 0} --seeds 1`,
    o.replicas === undefined ? '' : `--replicas ${o.replicas}`,
    o.policy === undefined ? '' : `--policy ${o.policy}`,
    o.adversary === undefined ? '' : o.adversary ? '--adversary' : '--honest',
    o.governance === undefined ? '' : o.governance ? '--governance' : '--no-governance',
    o.steps === undefined ? '' : `--steps ${o.steps}`,
  ].filter((f) => f !== '');
  return `npx tsx test/sim/long-run.ts ${flags.join(' ')}`;
}

/** A failed invariant of one simulated run. */
export class SimFailure extends Error {
  override readonly name = 'SimFailure';
  constructor(
    readonly config: SimConfig,
    readonly detail: string,
  ) {
    super(`seed ${config.seed} (${describeConfig(config)}): ${detail}`);
  }
}

const NAMES = ['Li Si', 'Wang Wu', 'Zhao Liu', 'Amina', 'Olu', 'María', 'Chen Qi', 'Sun Ba', 'Fatima', 'Kofi', 'Anh', 'Priya'];
const TEXT_CHARS = [...'abcdefghijklmnopqrstuvwxyz      0123456789.,', '张', '三', '借', '还', '元', '鸡', '蛋', 'é', 'ß', 'ع', 'ñ', '😀', '🐔', '🥚'];

function randomText(rng: Prng): string {
  if (rng.chance(0.01)) return 'x'.repeat(2000); // the longest note the kind allows
  let s = '';
  const n = 1 + rng.int(40);
  for (let i = 0; i < n; i++) s += rng.pick(TEXT_CHARS);
  return s.trim() === '' ? 'ok' : s;
}

/** Runs one seeded simulation. Resolves with a report; rejects with {@link SimFailure}. */
export async function runSimulation(config: SimConfig, hooks: SimHooks = {}): Promise<SimReport> {
  try {
    return await simulate(config, hooks);
  } catch (e) {
    if (e instanceof SimFailure) throw e;
    // An exception from the core (or the harness) is a failure of this seed too.
    const err = e as Error;
    const f = new SimFailure(config, `unexpected exception: ${err?.stack ?? String(e)}`);
    throw f;
  }
}

/** For investigating a failing seed. */
export interface SimHooks {
  /** Called after convergence, before the checks, with every replica's book (honest ones first). */
  readonly beforeVerdict?: (honest: readonly Book[], all: readonly Book[]) => void;
}

async function simulate(config: SimConfig, hooks: SimHooks): Promise<SimReport> {
  const rng = new Prng(config.seed);
  const sigs = new SignatureMemo();
  const n = config.replicas;
  if (n < 2) throw new RangeError('a simulation needs at least 2 replicas');
  let step = 0;
  let phase = 'run';
  const fail = (detail: string): never => {
    throw new SimFailure(config, `[${phase}, step ${step}] ${detail}`);
  };
  const check = (cond: boolean, detail: () => string): void => {
    if (!cond) fail(detail());
  };

  // ---------------------------------------------------------------- set-up
  const keys = Array.from({ length: n }, () => keyPairFromSeed(rng.bytes(32)));
  let now = 1_700_000_000_000 + rng.int(1_000_000_000);
  const founderName = rng.pick(NAMES);
  const units = rng.chance(0.5) ? [{ code: 'CNY', decimals: 2 }] : [{ code: 'CNY', decimals: 2 }, { code: 'eggs', decimals: 0 }];
  const open = openBook(keys[0]!, { name: `Village fund ${rng.int(1000)}`, units, join: config.policy, founder: founderName }, now);
  const bookId = open.id;
  const bookIdHex = open.idHex;
  const advIndex = config.adversary ? n - 1 : -1;
  const replicas = keys.map((k, i) => new Replica(i, k, i === 0 ? 'founder' : i === advIndex ? 'adversary' : 'member', bookId, sigs));
  const honest = replicas.filter((r) => r.honest);
  const honestIdx = honest.map((r) => r.index);
  const net = new Network(n, rng, { duplicate: 0.08, drop: 0.08 });
  const founder = replicas[0]!;

  /** id → index of the honest replica that signed it. */
  const honestIds = new Map<string, number>();
  let heldOnArrival = 0;
  let reloads = 0;
  let rebuilds = 0;

  const publish = (r: Replica, p: ParsedEntry): void => {
    honestIds.set(p.idHex, r.index);
    const st = r.book.status(p.idHex);
    check(st === 'valid' || st === 'held' || (config.governance && st !== 'frozen' && r.book.errorOf(p.idHex)?.reason === 'chain'), () => `replica ${r.index} wrote ${p.idHex} (${p.entry.kind}, seq ${p.entry.seq}) and its own book says ${st}: ${r.book.errorOf(p.idHex)?.message}`);
    net.broadcast(r.index, p.bytes);
  };

  founder.book.ingestVerified(open.bytes);
  founder.recordWritten(open);
  publish(founder, open);

  for (const r of replicas) {
    r.skew = rng.range(-3000, 3000);
    if (r.index === 0) continue;
    r.joinStep = rng.chance(0.15) ? rng.range(Math.floor(config.steps * 0.7), Math.floor(config.steps * 0.9)) : 1 + rng.int(Math.floor(config.steps * 0.4));
    r.reader = r.honest && rng.chance(0.08);
  }

  // Another book where the same villagers (the founder too) wrote at the same seqs: replay material.
  let adversary: Adversary | null = null;
  if (config.adversary) {
    const sideOpen = openBook(keys[0]!, { name: 'The other book', units: [{ code: 'CNY', decimals: 2 }], join: 'open', founder: founderName }, now - 86_400_000);
    const side = new Book(sideOpen.id);
    side.ingestVerified(sideOpen.bytes);
    const sideEntries = [sideOpen.bytes];
    let t = now - 86_000_000;
    for (const r of honest) {
      if (r.index === 0) {
        sideEntries.push(append(side, r.key, r.authorHex, 'note', { text: 'founder note elsewhere' }, (t += 1000)).bytes);
        continue;
      }
      if (!rng.chance(0.6)) continue;
      sideEntries.push(append(side, r.key, r.authorHex, 'member/join', { name: rng.pick(NAMES) }, (t += 1000)).bytes);
      if (rng.chance(0.5)) sideEntries.push(append(side, r.key, r.authorHex, 'note', { text: 'elsewhere' }, (t += 1000)).bytes);
    }
    adversary = new Adversary(replicas[advIndex]!, rng.fork(), net, honestIdx, honest.map((r) => r.authorHex), sideEntries);
  }

  // ---------------------------------------------------------------- helpers
  const timeOf = (r: Replica): number => Math.max(0, now + r.skew);

  const pendingAdmits = (): string[] =>
    founder.book
      .members()
      .filter((m) => m.status === 'requested' && !founder.admittedByMe.has(m.key))
      .map((m) => m.key);

  const admit = (key: string): void => {
    founder.admittedByMe.add(key);
    publish(founder, founder.write('member/admit', { member: fromHex(key) }, timeOf(founder)));
  };

  const join = (r: Replica): void => {
    publish(r, r.write('member/join', { name: rng.pick(NAMES) }, timeOf(r)));
  };

  // ---- governance (config.governance): admins grant and revoke admin rights and remove members.
  // The founder is never a target, so there is always an admin to admit joiners.
  const selfInfo = (r: Replica): MemberInfo | undefined => r.book.members().find((m) => m.key === r.authorHex);
  const adminHere = (r: Replica): boolean => {
    const m = selfInfo(r);
    return m !== undefined && m.status === 'member' && m.admin;
  };
  let removals = 0;
  let governanceActs = 0;
  const remove = (r: Replica, target: string, reason: string): void => {
    const head = r.book.headList().find((h) => h.author === target);
    publish(r, r.write('member/remove', { member: fromHex(target), seq: head?.seq ?? 0, reason }, timeOf(r)));
    removals++;
    governanceActs++;
  };
  /** One admin action from `r`'s own view; false when there was nothing to do. */
  const governanceAct = (r: Replica): boolean => {
    const members = r.book.members();
    const others = members.filter((m) => m.key !== r.authorHex && m.key !== founder.authorHex && m.status === 'member');
    const role = (m: MemberInfo, grant: boolean): void => {
      publish(r, r.write('member/role', { member: fromHex(m.key), role: 'admin', grant }, timeOf(r)));
      governanceActs++;
    };
    switch (rng.weighted({ grant: 3, revoke: 1, remove: removals < 2 ? 1 : 0, admit: 1 })) {
      case 'grant': {
        const c = others.filter((m) => !m.admin);
        if (c.length === 0) return false;
        role(rng.pick(c), true);
        return true;
      }
      case 'revoke': {
        const c = others.filter((m) => m.admin);
        if (c.length === 0) return false;
        role(rng.pick(c), false);
        return true;
      }
      case 'remove': {
        if (others.length === 0) return false;
        const adv = others.find((m) => advIndex >= 0 && m.key === replicas[advIndex]!.authorHex);
        remove(r, (adv !== undefined && rng.chance(0.5) ? adv : rng.pick(others)).key, 'moved away');
        return true;
      }
      default: {
        const c = members.filter((m) => m.status === 'requested');
        if (c.length === 0) return false;
        publish(r, r.write('member/admit', { member: fromHex(rng.pick(c).key) }, timeOf(r)));
        governanceActs++;
        return true;
      }
    }
  };
  /** Two admins remove each other before either hears of the other's removal (FORMAT.md section 10). */
  const duel = (): void => {
    const admins = honest.filter((r) => r !== founder && r.joined && adminHere(r));
    if (admins.length < 2) return;
    const [a, b] = rng.shuffled(admins) as [Replica, Replica];
    remove(a, b.authorHex, 'duel');
    remove(b, a.authorHex, 'duel');
  };

  const honestWrite = (r: Replica): void => {
    if (!r.joined) {
      if (!r.reader && step >= r.joinStep) join(r);
      return;
    }
    if (config.governance) {
      if (selfInfo(r)?.status === 'removed') return; // a removed member stops writing
      if (adminHere(r) && rng.chance(0.35) && governanceAct(r)) return;
    }
    if (r === founder) {
      const pending = pendingAdmits();
      if (pending.length > 0 && rng.chance(0.6)) return admit(rng.pick(pending));
      if (rng.chance(0.08)) {
        // An admin may admit a key before its join arrives (an invite), or admit twice.
        return admit(rng.pick(replicas.filter((x) => x !== founder)).authorHex);
      }
    }
    publish(r, r.write('note', { text: randomText(rng) }, timeOf(r)));
  };

  /**
   * What an honest entry may be, anywhere, at any time: valid or waiting; with governance also
   * frozen because its author was removed, or rejected because its author turned out not to be an
   * admin at that entry (a revoke or removal upstream), and then `chain` for what follows it.
   */
  const honestVerdictOk = (b: Book, id: string): boolean => {
    const st = b.status(id);
    if (st === undefined || st === 'valid' || st === 'held') return true;
    if (!config.governance) return false;
    const reason = b.errorOf(id)?.reason;
    return st === 'frozen' ? reason === 'permission' : reason === 'permission' || reason === 'chain';
  };

  /** Every honest entry a replica holds is valid or waiting, never rejected or frozen. */
  const checkHonestStatuses = (r: Replica): void => {
    for (const [id, writer] of honestIds) {
      if (!honestVerdictOk(r.book, id)) {
        fail(`replica ${r.index} has honest entry ${id} (by replica ${writer}) ${r.book.status(id)}: ${r.book.errorOf(id)?.reason} ${r.book.errorOf(id)?.message}`);
      }
    }
  };

  const noteResults = (r: Replica, results: readonly IngestResult[]): boolean => {
    let fresh = false;
    for (const res of results) {
      if (res.kind !== 'entry') continue;
      fresh = true;
      if (honestIds.has(res.id)) {
        check(honestVerdictOk(r.book, res.id), () => `honest entry ${res.id} arrived at replica ${r.index} as ${res.status}: ${r.book.errorOf(res.id)?.message}`);
        if (res.status === 'held') heldOnArrival++;
      }
    }
    if (fresh && r.honest) checkHonestStatuses(r);
    return fresh;
  };

  const deliver = async (faults: boolean): Promise<boolean> => {
    const taken = net.take(faults);
    if (taken === null) return false;
    if (taken.fate === 'dropped') return true;
    const { msg } = taken;
    const r = replicas[msg.to]!;
    const results = msg.sync ? await r.receiveBatch(msg.entries) : [r.receive(msg.entries[0]!)];
    check(results.length === msg.entries.length, () => 'ingestBatch returned a result count different from its input');
    const fresh = noteResults(r, results);
    // Gossip: an honest replica passes some new live entries on (the shared document spreads them).
    if (fresh && !msg.sync && r.honest && rng.chance(0.25)) {
      for (const peer of rng.subset(honestIdx, 0.4)) if (peer !== r.index && peer !== msg.from) net.send(r.index, peer, msg.entries);
    }
    return true;
  };

  /** Anti-entropy from a to b: what b lacks (by id), or a's whole set. */
  const sync = (a: Replica, b: Replica, full: boolean): void => {
    const entries = full
      ? a.book.signedEntries()
      : [...a.book.entries()].filter((e) => b.book.status(e.id) === undefined).map((e) => e.entry.bytes);
    net.send(a.index, b.index, rng.shuffle(entries), true);
  };

  const reload = (r: Replica): void => {
    const before = r.book.stateBytes();
    const beforeIds = r.ids().join();
    r.reload(rng.shuffled(r.book.signedEntries()));
    check(r.ids().join() === beforeIds, () => `replica ${r.index} holds other entries after a restart`);
    check(equalBytes(before, r.book.stateBytes()), () => `replica ${r.index}: state differs after a restart (entries re-ingested in another order)`);
    reloads++;
  };

  const rebuildCheck = (r: Replica, when: string): void => {
    const before = r.book.stateBytes();
    r.book.rebuild();
    check(equalBytes(before, r.book.stateBytes()), () => `replica ${r.index}: incremental state differs from rebuild() (${when})`);
    rebuilds++;
  };

  // ---------------------------------------------------------------- the run
  let healAt = -1;
  for (step = 1; step <= config.steps; step++) {
    now += rng.int(2000);
    for (const r of honest) if (r !== founder && !r.joined && !r.reader && r.joinStep === step) join(r);
    if (healAt === step) net.heal();
    const action = rng.weighted({
      deliver: 50,
      write: 12,
      admit: config.policy === 'approve' ? 3 : 0.3,
      sync: 5,
      partition: 1,
      retry: 2,
      reload: 0.4,
      rebuild: 0.4,
      clockJump: 0.5,
      duel: config.governance && removals === 0 ? 1 : 0,
      adversary: adversary === null ? 0 : 6,
    });
    switch (action) {
      case 'deliver':
        await deliver(true);
        break;
      case 'write':
        honestWrite(rng.pick(honest));
        break;
      case 'admit': {
        const pending = pendingAdmits();
        if (pending.length > 0) admit(rng.pick(pending));
        break;
      }
      case 'sync': {
        const a = rng.pick(honest);
        const b = rng.pick(replicas.filter((x) => x !== a));
        sync(a, b, rng.chance(0.15));
        break;
      }
      case 'partition':
        if (net.partitioned) {
          net.heal();
        } else {
          const k = rng.range(2, 3);
          net.partition(replicas.map(() => rng.int(k)));
          healAt = step + rng.range(15, 80);
        }
        break;
      case 'retry':
        net.retryDropped();
        break;
      case 'reload':
        reload(rng.pick(honest));
        break;
      case 'rebuild':
        rebuildCheck(rng.pick(honest), 'mid-run');
        break;
      case 'clockJump': {
        const r = rng.pick(replicas);
        r.skew = rng.range(-120_000, 120_000); // the device clock jumps (even backwards)
        break;
      }
      case 'duel':
        duel();
        break;
      case 'adversary':
        adversary!.act(Math.max(0, now + replicas[advIndex]!.skew));
        break;
    }
  }

  // ---------------------------------------------------------------- heal and converge
  phase = 'finish';
  net.heal();
  net.retryDropped();
  const drain = async (): Promise<void> => {
    let guard = 0;
    while (await deliver(false)) if (++guard > 2_000_000) fail('the network never drains');
  };
  const digest = (r: Replica): string => [...r.book.entries()].map((e) => `${e.id}:${toHex(e.entry.sig)}`).join();
  let finalRounds = 0;
  let fullPhase = false;
  for (;;) {
    finalRounds++;
    check(finalRounds <= 12, () => 'anti-entropy did not reach quiescence in 12 rounds');
    const before = honest.map(digest);
    await drain();
    let wrote = 0;
    for (const key of pendingAdmits()) {
      admit(key);
      wrote++;
    }
    await drain();
    for (const a of honest) for (const b of honest) if (a !== b) sync(a, b, fullPhase);
    await drain();
    const after = honest.map(digest);
    const quiet = wrote === 0 && before.every((d, i) => d === after[i]);
    if (quiet && fullPhase) break;
    if (quiet) fullPhase = true; // the missing entries are exchanged: now every full set to every other
  }
  check(net.pending === 0 && net.lostCount === 0, () => 'messages left in the network');

  // ---------------------------------------------------------------- the verdict
  phase = 'verdict';
  hooks.beforeVerdict?.(
    honest.map((r) => r.book),
    replicas.map((r) => r.book),
  );
  const ref = honest[0]!;
  const refIds = ref.ids();
  const refState = ref.book.stateBytes();
  const refDigest = digest(ref);
  const honestKeys = new Set(honest.map((r) => r.authorHex));
  const inBook = (p: ParsedEntry): boolean => p.idHex === bookIdHex || (p.entry.book !== undefined && equalBytes(p.entry.book, bookId));

  check(
    honest.reduce((s, r) => s + r.written.length, 0) === honestIds.size,
    () => `honest replicas signed ${honest.reduce((s, r) => s + r.written.length, 0)} entries but ${honestIds.size} distinct ids`,
  );

  for (const r of honest) {
    const ids = r.ids();
    if (ids.join() !== refIds.join()) {
      const a = new Set(refIds);
      const b = new Set(ids);
      fail(
        `replica ${r.index} holds ${ids.length} entries, replica ${ref.index} ${refIds.length}; only in ${r.index}: ${ids.filter((x) => !a.has(x)).slice(0, 5).join(' ')}; only in ${ref.index}: ${refIds.filter((x) => !b.has(x)).slice(0, 5).join(' ')}`,
      );
    }
    check(digest(r) === refDigest, () => `replica ${r.index} stores other signed bytes than replica ${ref.index} for some entry`);
    check(equalBytes(r.book.stateBytes(), refState), () => `replica ${r.index}: stateBytes() differ from replica ${ref.index} with the same set of entries`);

    const members = new Map(r.book.members().map((m) => [m.key, m]));
    // Every honest entry is everywhere, and valid. With governance, an honest chain may end early:
    // frozen from its author's removal on, or rejected at an admin action its author turned out not
    // to have the right to (a revoke or removal upstream), and `chain` after that; nothing else.
    for (const h of honest) {
      let broken: string | null = null;
      const removed = members.get(h.authorHex)?.status === 'removed';
      for (const p of h.written) {
        const st = r.book.status(p.idHex);
        const err = r.book.errorOf(p.idHex);
        const what = (): string => `honest entry ${p.idHex} (${p.entry.kind}, seq ${p.entry.seq}) by replica ${h.index} is ${st ?? 'absent'} at replica ${r.index}: ${err?.reason} ${err?.message}${broken === null ? '' : ` (after ${broken})`}`;
        if (st === 'valid') {
          check(broken === null, what);
          continue;
        }
        check(config.governance, what);
        const ok =
          (st === 'frozen' && err?.reason === 'permission' && removed) ||
          (st === 'held' && removed && config.policy === 'approve') ||
          (st === 'rejected' && err?.reason === 'permission' && broken === null && ['member/admit', 'member/role', 'member/remove'].includes(p.entry.kind)) ||
          (st === 'rejected' && err?.reason === 'chain' && broken !== null);
        check(ok, what);
        broken ??= `${st} ${err?.reason} at seq ${p.entry.seq}`;
      }
    }
    let honestInBook = 0;
    let validCount = 0;
    for (const e of r.book.entries()) {
      if (e.status === 'valid') validCount++;
      if (honestKeys.has(e.entry.authorHex) && inBook(e.entry)) {
        honestInBook++;
        check(honestIds.has(e.id), () => `replica ${r.index} holds ${e.id}, an entry of this book by an honest author that nobody honest wrote`);
      }
    }
    check(honestInBook === honestIds.size, () => `replica ${r.index}: ${honestInBook} honest entries in the book, ${honestIds.size} written`);
    check(validCount === r.book.valid, () => `replica ${r.index}: book.valid = ${r.book.valid} but ${validCount} entries are valid`);

    // Every honest member is a member (under approve: admitted; with governance, or removed); the
    // founder stays an admin (never a target), and without governance is the only one.
    for (const h of honest) {
      if (!h.joined) continue;
      const m = members.get(h.authorHex);
      check(m !== undefined && (m.status === 'member' || (config.governance && m.status === 'removed')), () => `replica ${r.index}: replica ${h.index} is ${m?.status ?? 'not a member'}`);
      if (h === founder || !config.governance) check(m!.admin === (h === founder), () => `replica ${r.index}: admin flag of replica ${h.index} is ${m!.admin}`);
    }
    check(!r.book.members().some((m) => m.status === 'requested'), () => `replica ${r.index}: a member is still waiting for admission after the founder admitted everyone`);

    // Witnesses: every valid entry of a member is at least witnessed by its own author's chain.
    const table = r.book.witnessTable();
    for (const h of r.book.headList()) {
      if (members.get(h.author)?.status !== 'member') continue;
      const counts = table.get(h.author);
      check(counts !== undefined && counts.length === h.seq && counts.every((c) => c >= 1), () => `replica ${r.index}: witness counts of ${h.author}: ${counts?.join(',')}`);
    }
    for (const h of honest) {
      if (h.joined && !config.governance) check(table.get(h.authorHex)?.length === h.written.length, () => `replica ${r.index}: witness table of replica ${h.index}`);
    }

    if (adversary === null && !config.governance) {
      check(r.book.size === honestIds.size && r.book.valid === honestIds.size, () => `replica ${r.index}: size ${r.book.size}, valid ${r.book.valid}, written ${honestIds.size}`);
      check(r.book.held().length === 0 && r.book.rejected().length === 0 && r.book.forks().length === 0, () => `replica ${r.index}: held/rejected/forks in an all-honest run`);
      check(r.book.rejectedInputs().total === 0, () => `replica ${r.index}: ${r.book.rejectedInputs().total} inputs rejected in an all-honest run`);
    }
    if (adversary === null) {
      check(r.book.forks().length === 0 && r.book.rejectedInputs().total === 0, () => `replica ${r.index}: forks or rejected inputs in an all-honest run`);
    }
  }

  let linksToFrozen = 0;
  for (const id of honestIds.keys()) {
    for (const l of ref.book.entry(id)!.entry.links) if (ref.book.status(toHex(l)) === 'frozen') linksToFrozen++;
  }

  // ---------------------------------------------------------------- the hostile peer's marks
  if (adversary !== null) {
    const expected = adversary.expectedForks();
    const frozenFrom = adversary.frozenFrom();
    for (const r of honest) {
      const forks = r.book.forks();
      const got = forks.map((f) => `${f.author}:${f.seq}:${f.ids.join('/')}`);
      const want = expected.map((f) => `${f.author}:${f.seq}:${f.ids.join('/')}`);
      check(got.join() === want.join(), () => `replica ${r.index}: fork proofs\n  got  ${got.join('\n       ')}\n  want ${want.join('\n       ')}`);
      for (const f of forks) {
        check(!honestKeys.has(f.author), () => `replica ${r.index}: fork proof against honest author ${f.author}`);
        // The proof is portable: both signed entries verify on their own, same author and seq.
        for (const bytes of f.entries) {
          const p = parseSignedEntry(bytes, bookId);
          check(p.authorHex === f.author && p.entry.seq === f.seq && sigs.check(p.sig, p.id, p.entry.author), () => `replica ${r.index}: fork proof entry does not stand on its own`);
        }
      }
      for (const e of r.book.entries()) {
        const f = frozenFrom.get(e.entry.authorHex);
        if (f !== undefined && inBook(e.entry) && e.entry.entry.seq >= f) {
          check(e.status === 'frozen' || e.status === 'rejected', () => `replica ${r.index}: ${e.id} (seq ${e.entry.entry.seq} of a chain forked at ${f}) is ${e.status}`);
        }
      }
      for (const h of r.book.headList()) {
        const f = frozenFrom.get(h.author);
        check(f === undefined || h.seq < f, () => `replica ${r.index}: head of forked author at seq ${h.seq} ≥ ${f}`);
      }
      const table = r.book.witnessTable();
      for (const [author, f] of frozenFrom) check((table.get(author)?.length ?? 0) < f, () => `replica ${r.index}: witnesses counted for frozen entries of ${author}`);
      // Everything it sent arrived, stored as the smallest of its signed encodings.
      for (const [id, bytes] of adversary.smallestBytes) {
        const p = r.book.entry(id);
        check(p !== undefined && equalBytes(p.bytes, bytes), () => `replica ${r.index}: entry ${id} ${p === undefined ? 'missing' : 'stored with other signed bytes than the smallest'}`);
      }
      // Only honest entries and the adversary's own signed entries can be valid.
      for (const e of r.book.entries()) {
        if (e.status === 'valid') check(honestIds.has(e.id) || adversary.created.has(e.id), () => `replica ${r.index}: valid entry ${e.id} nobody in the simulation signed`);
      }
    }
  }

  // ---------------------------------------------------------------- independent rebuilds
  // A fresh book fed the same set in another order.
  const fresh = new Book(bookId, sigs.check);
  for (const bytes of rng.shuffled(ref.book.signedEntries())) fresh.ingest(bytes);
  check(equalBytes(fresh.stateBytes(), refState), () => 'a fresh book fed the final set in another order has another state');

  // The verifier's report on two replicas' book files (entries in different orders) agrees.
  const reportOf = (r: Replica): string => {
    const file = decodeBookFile(encodeBookFile(bookId, rng.shuffled(r.book.signedEntries())));
    const res = verifyBookFile(file, { checkSignature: sigs.check });
    check(res.report.entries === r.book.size && res.report.valid === r.book.valid, () => `verifier on replica ${r.index}'s file: ${res.report.entries} entries, ${res.report.valid} valid; book ${r.book.size}, ${r.book.valid}`);
    if (adversary === null && !config.governance) check(res.ok, () => `verifier on replica ${r.index}'s file says not ok: ${JSON.stringify(res.report.invalid)}`);
    const forks = JSON.stringify(r.book.forks().map((f) => ({ author: f.author, seq: f.seq, ids: f.ids })));
    check(JSON.stringify(res.report.forks) === forks, () => `verifier on replica ${r.index}'s file reports other forks than the book`);
    check(res.report.missing.join() === r.book.missing().join(), () => `verifier on replica ${r.index}'s file reports other missing ids than the book`);
    const rep = { ...res.report, invalid: res.report.invalid.map((x) => `${x.id}:${x.reason}`).sort() };
    return JSON.stringify(rep);
  };
  const other = honest[1 + rng.int(honest.length - 1)]!;
  check(reportOf(ref) === reportOf(other), () => `the verifier reports differ between replicas ${ref.index} and ${other.index}`);

  // Incremental equals rebuild(), for every honest replica.
  for (const r of honest) rebuildCheck(r, 'at the end');

  return {
    config,
    honestEntries: honestIds.size,
    entries: ref.book.size,
    valid: ref.book.valid,
    held: ref.book.held().length,
    rejected: ref.book.rejected().length,
    frozen: [...ref.book.entries()].filter((e) => e.status === 'frozen').length,
    forks: ref.book.forks().length,
    net: { ...net.stats },
    finalRounds,
    reloads,
    rebuilds,
    heldOnArrival,
    linksToFrozen,
    inputRejections: honest.reduce((s, r) => s + r.book.rejectedInputs().total, 0),
    signatureChecks: sigs.checks,
    adversary: adversary === null ? null : { ...adversary.stats },
    governanceActs,
    removals,
    honestNotValid: [...honestIds.keys()].filter((id) => ref.book.status(id) !== 'valid').length,
    removed: ref.book.members().filter((m) => m.status === 'removed').length,
  };
}
