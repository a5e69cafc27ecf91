/** The charts screen's state: the chosen unit and fund, and the two balance series from the worker. */
import type { SeriesAccount, SeriesPoint } from '../../worker/protocol.js';
import type { EngineClient as Engine } from '../engine.js';

export class Series {
  points = $state.raw<readonly SeriesPoint[] | null>(null);
  error = $state<string | null>(null);
  private request = 0;

  constructor(
    private readonly engine: Engine,
    private readonly book: string,
  ) {}

  /** Drops the request in flight (the screen went away, or its question changed). */
  drop(): void {
    this.request++;
  }

  /** Fetches the account's series in `unit` (a late answer to an older request is dropped). */
  async load(account: SeriesAccount | null, unit: string): Promise<void> {
    const n = ++this.request;
    if (account === null || unit === '') {
      this.points = [];
      return;
    }
    try {
      const points = await this.engine.call('series', [this.book, account, unit]);
      if (n !== this.request) return;
      this.points = points;
      this.error = null;
    } catch (e) {
      if (n === this.request) this.error = e instanceof Error ? e.message : String(e);
    }
  }
}

export class ChartsView {
  unit = $state('');
  fund = $state('');
  readonly mine: Series;
  readonly funds: Series;

  constructor(engine: Engine, book: string) {
    this.mine = new Series(engine, book);
    this.funds = new Series(engine, book);
  }
}
