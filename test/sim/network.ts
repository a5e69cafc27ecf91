/**
 * An in-memory message network for the simulations, in the style of Yjs's test connector
 * (yjs/tests/testHelper.js): every message sits in a per-(sender, recipient) queue until the
 * simulation delivers it, and delivery picks a random pending message, so arrival order is random.
 *
 * Faults, all driven by the seeded PRNG:
 * - duplicate: a delivered message is also put back, to arrive again later;
 * - drop: a message is lost; the sender retries later ({@link Network.retryDropped}), and the
 *   periodic anti-entropy exchange repairs anything else;
 * - partition: replicas are split into groups; messages across groups stay queued (not lost)
 *   until {@link Network.heal}.
 */
import type { Prng } from './prng.js';

/** One message: a live update (a single signed entry) or a sync batch (Yjs sync step 2). */
export interface Message {
  readonly from: number;
  readonly to: number;
  readonly entries: readonly Uint8Array[];
  readonly sync: boolean;
}

export interface NetworkFaults {
  /** Probability that a delivered message is also re-queued to arrive again. */
  readonly duplicate: number;
  /** Probability that a taken message is lost (and queued for the sender's retry). */
  readonly drop: number;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  duplicated: number;
  dropped: number;
  retried: number;
  partitions: number;
}

export type Taken = { readonly fate: 'delivered'; readonly msg: Message } | { readonly fate: 'dropped'; readonly msg: Message };

export class Network {
  /** Queue of channel from→to at index from * size + to. */
  private readonly channels: Message[][];
  /** Group of each replica while partitioned, else null. */
  private groups: number[] | null = null;
  private readonly lost: Message[] = [];
  private queued = 0;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, duplicated: 0, dropped: 0, retried: 0, partitions: 0 };

  constructor(
    readonly size: number,
    private readonly rng: Prng,
    private readonly faults: NetworkFaults,
  ) {
    this.channels = Array.from({ length: size * size }, () => []);
  }

  /** Queues a message from `from` to `to`. */
  send(from: number, to: number, entries: readonly Uint8Array[], sync = false): void {
    if (from === to || entries.length === 0) return;
    this.channels[from * this.size + to]!.push({ from, to, entries, sync });
    this.queued++;
    this.stats.sent++;
  }

  /** Queues a live update from `from` to every other replica (or the given ones). */
  broadcast(from: number, entry: Uint8Array, to?: readonly number[]): void {
    for (const r of to ?? this.everyone()) this.send(from, r, [entry]);
  }

  private everyone(): number[] {
    return Array.from({ length: this.size }, (_, i) => i);
  }

  /** Splits the replicas into groups (each replica's group number); cross-group messages wait. */
  partition(groupOf: readonly number[]): void {
    this.groups = [...groupOf];
    this.stats.partitions++;
  }

  heal(): void {
    this.groups = null;
  }

  get partitioned(): boolean {
    return this.groups !== null;
  }

  /** True when a message from a can reach b now. */
  connected(a: number, b: number): boolean {
    return this.groups === null || this.groups[a] === this.groups[b];
  }

  /** Messages queued (deliverable or held by a partition). */
  get pending(): number {
    return this.queued;
  }

  /** Messages lost and waiting for their sender's retry. */
  get lostCount(): number {
    return this.lost.length;
  }

  /**
   * Takes one random deliverable message: a random non-empty channel whose ends are connected,
   * then a random message in it. With `faults`, it may be dropped or duplicated. Null when nothing
   * is deliverable.
   */
  take(faults = true): Taken | null {
    const open: number[] = [];
    for (let c = 0; c < this.channels.length; c++) {
      if (this.channels[c]!.length > 0 && this.connected(Math.floor(c / this.size), c % this.size)) open.push(c);
    }
    if (open.length === 0) return null;
    const q = this.channels[this.rng.pick(open)]!;
    const i = this.rng.int(q.length);
    const msg = q[i]!;
    q[i] = q[q.length - 1]!;
    q.pop();
    this.queued--;
    if (faults && this.rng.chance(this.faults.drop)) {
      this.lost.push(msg);
      this.stats.dropped++;
      return { fate: 'dropped', msg };
    }
    if (this.rng.chance(this.faults.duplicate)) {
      q.push(msg);
      this.queued++;
      this.stats.duplicated++;
    }
    this.stats.delivered++;
    return { fate: 'delivered', msg };
  }

  /** The senders retry their lost messages: they are queued again. Returns how many. */
  retryDropped(): number {
    const n = this.lost.length;
    for (const m of this.lost.splice(0)) {
      this.channels[m.from * this.size + m.to]!.push(m);
      this.queued++;
    }
    this.stats.retried += n;
    return n;
  }
}
