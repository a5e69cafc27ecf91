/**
 * Issue 16 item 12: what a screen asked the worker is tied to what is on screen. A reply to an
 * older question (entries arrived meanwhile, the member moved to another screen) is dropped:
 * it never overwrites a newer answer nor lands after the screen went away. The worker's replies
 * are held here and released in the order the test chooses (the order a busy worker may answer).
 */
import { describe, expect, it } from 'vitest';
import { Latest } from '../../src/ui/state/latest.svelte.js';
import { EntryView } from '../../src/ui/state/entry.svelte.js';
import { Series } from '../../src/ui/state/charts.svelte.js';
import { PagedRows } from '../../src/ui/components/paged-rows.svelte.js';
import type { AppState } from '../../src/ui/state/app.svelte.js';
import type { Engine } from '../../src/ui/engine.js';
import type { EntryDetail } from '../../src/worker/protocol.js';

/** Replies the test releases by hand. */
class Held {
  readonly calls: { method: string; args: unknown[]; resolve: (v: unknown) => void }[] = [];
  call = (method: string, args: unknown[]): Promise<never> =>
    new Promise((resolve) => {
      this.calls.push({ method, args, resolve: resolve as (v: unknown) => void });
    });
}

const tick = () => new Promise((r) => setTimeout(r, 0));

function detail(id: string, memo: string): EntryDetail {
  return {
    id,
    kind: 'note',
    author: 'a'.repeat(64),
    authorName: 'Li Si',
    seq: 1,
    chainLength: 1,
    time: 0,
    prev: null,
    links: [],
    referredBy: [],
    status: 'valid',
    reason: null,
    money: null,
    body: { text: memo },
    signatureChecked: true,
    witnesses: { count: 1, of: 1 },
    size: 10,
  };
}

describe('a late reply is not shown', () => {
  it('Latest: an older reply after a newer one is dropped; after the screen went away nothing lands', async () => {
    const l = new Latest<string>();
    let first!: (v: string) => void;
    let second!: (v: string) => void;
    l.load(() => new Promise<string>((r) => (first = r)));
    l.load(() => new Promise<string>((r) => (second = r)));
    second('new');
    await tick();
    first('old');
    await tick();
    expect(l.value).toBe('new');
    const stop = l.load(() => Promise.resolve('after navigation'));
    stop(); // the $effect's teardown: the member moved on before the reply came
    await tick();
    expect(l.value).toBe('new');
  });

  it('Entry screen: the reply to the read made before entries arrived does not overwrite the fresh one', async () => {
    const engine = new Held();
    const app = { engine } as unknown as AppState;
    const id = 'e'.repeat(64);
    const view = new EntryView(app, 'b'.repeat(64), id);
    view.load(); // asked when the screen opened
    view.load(); // asked again: entries arrived
    expect(engine.calls).toHaveLength(2);
    engine.calls[1]!.resolve(detail(id, 'fresh'));
    await tick();
    engine.calls[0]!.resolve(detail(id, 'stale'));
    await tick();
    expect(view.detail?.body).toEqual({ text: 'fresh' });
    // The member leaves: the read in flight is dropped.
    const stop = view.load();
    stop();
    engine.calls[2]!.resolve(detail(id, 'late'));
    await tick();
    expect(view.detail?.body).toEqual({ text: 'fresh' });
  });

  it('Charts and Journal: a reply to the previous unit or filter is dropped, and nothing lands after leaving', async () => {
    const engine = new Held();
    const series = new Series(engine as unknown as Engine, 'b'.repeat(64));
    void series.load({ member: 'a'.repeat(64) }, 'CNY');
    void series.load({ member: 'a'.repeat(64) }, 'USD');
    engine.calls[1]!.resolve([{ time: 1, balance: '200', id: 'x' }]);
    await tick();
    engine.calls[0]!.resolve([{ time: 1, balance: '100', id: 'y' }]);
    await tick();
    expect(series.points).toEqual([{ time: 1, balance: '200', id: 'x' }]);
    void series.load({ member: 'a'.repeat(64) }, 'CNY');
    series.drop();
    engine.calls[2]!.resolve([]);
    await tick();
    expect(series.points).toEqual([{ time: 1, balance: '200', id: 'x' }]);

    const pages = new Held();
    const rows = new PagedRows<string>((offset, limit) => pages.call('journal', [offset, limit]), 10);
    rows.ensure({ start: 0, end: 5 });
    rows.reset(); // a filter changed
    pages.calls[1]!.resolve({ total: 1, rows: ['match'] });
    await tick();
    pages.calls[0]!.resolve({ total: 2, rows: ['old', 'older'] });
    await tick();
    expect([rows.total, rows.row(0)]).toEqual([1, 'match']);
    rows.reset();
    rows.drop(); // the member left the journal
    pages.calls[2]!.resolve({ total: 3, rows: ['a', 'b', 'c'] });
    await tick();
    expect(rows.total).toBe(1);
  });
});
