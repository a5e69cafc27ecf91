/**
 * Many more seeds of the multi-replica simulation than CI runs (sim.ts), with progress output.
 *
 *   npx tsx test/sim/long-run.ts [--seeds N] [--from S] [--replicas R] [--jobs J]
 *                                [--policy open|approve] [--adversary | --honest]
 *                                [--governance | --no-governance] [--steps K]
 *   npm run sim:long -- --seeds 50000
 *
 * Defaults: 10,000 seeds from 1, each seed's own configuration (5–7 replicas, policy, adversary,
 * governance, steps), J = available cores − 1 (at most 8) worker threads. Every failure prints the command that
 * repeats it. Exit status 1 when any seed failed, 2 on bad arguments.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { describeConfig, reproCommand, runSimulation, SimFailure, simConfig, SIM_TEST_FILE, type SimOverrides } from './sim.js';

interface Args {
  seeds: number;
  from: number;
  jobs: number;
  overrides: SimOverrides;
}

type FromWorker =
  | { type: 'ok'; seed: number; entries: number; forks: number }
  | { type: 'fail'; seed: number; config: string; message: string }
  | { type: 'done' };

interface WorkerInput {
  seeds: number[];
  overrides: SimOverrides;
}

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: npx tsx test/sim/long-run.ts [--seeds N] [--from S] [--replicas R] [--jobs J] [--policy open|approve] [--adversary | --honest] [--governance | --no-governance] [--steps K]\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: 10_000, from: 1, jobs: Math.max(1, Math.min(8, availableParallelism() - 1)), overrides: {} };
  const o: { -readonly [K in keyof SimOverrides]: SimOverrides[K] } = {};
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < min) usage(`${flag} needs an integer ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? (a.split('=', 2) as [string, string]) : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--seeds':
        args.seeds = int(flag, value(), 1);
        break;
      case '--from':
        args.from = int(flag, value(), 0);
        break;
      case '--jobs':
        args.jobs = int(flag, value(), 1);
        break;
      case '--replicas':
        o.replicas = int(flag, value(), 2);
        break;
      case '--steps':
        o.steps = int(flag, value(), 1);
        break;
      case '--policy': {
        const p = value();
        if (p !== 'open' && p !== 'approve') usage('--policy is open or approve');
        o.policy = p;
        break;
      }
      case '--adversary':
        o.adversary = true;
        break;
      case '--honest':
        o.adversary = false;
        break;
      case '--governance':
        o.governance = true;
        break;
      case '--no-governance':
        o.governance = false;
        break;
      case '--help':
      case '-h':
        usage('Runs the seeded multi-replica simulation for many seeds.');
        break;
      default:
        usage(`unknown argument ${a}`);
    }
  }
  if (args.from + args.seeds - 1 > 0xffff_ffff) usage('seeds are 32-bit: --from + --seeds must stay below 2^32');
  args.overrides = o;
  return args;
}

/** Runs seeds one after another, posting each outcome. */
async function work(input: WorkerInput, post: (m: FromWorker) => void): Promise<void> {
  for (const seed of input.seeds) {
    const config = simConfig(seed, input.overrides);
    try {
      const r = await runSimulation(config);
      post({ type: 'ok', seed, entries: r.entries, forks: r.forks });
    } catch (e) {
      const message = e instanceof SimFailure ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
      post({ type: 'fail', seed, config: describeConfig(config), message });
    }
  }
  post({ type: 'done' });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const seeds = Array.from({ length: args.seeds }, (_, i) => args.from + i);
  const jobs = Math.min(args.jobs, seeds.length);
  const started = performance.now();
  const failures: { seed: number; config: string; message: string }[] = [];
  let done = 0;
  let entries = 0;
  let withForks = 0;
  let lastPrint = 0;

  const overridden = Object.values(args.overrides).some((v) => v !== undefined);
  process.stdout.write(
    `simulating seeds ${args.from}..${args.from + args.seeds - 1} on ${jobs} thread${jobs === 1 ? '' : 's'}` +
      `${overridden ? ` with ${JSON.stringify(args.overrides)}` : ''}\n`,
  );

  const progress = (force = false): void => {
    const now = performance.now();
    if (!force && now - lastPrint < 2000) return;
    lastPrint = now;
    const secs = (now - started) / 1000;
    const rate = done / Math.max(secs, 1e-3);
    const left = rate > 0 ? (seeds.length - done) / rate : 0;
    process.stdout.write(
      `[${String(done).padStart(String(seeds.length).length)}/${seeds.length}] ${((100 * done) / seeds.length).toFixed(1).padStart(5)}%` +
        `  ${secs.toFixed(0)} s, ~${left.toFixed(0)} s left  failed ${failures.length}  (${entries} entries, ${withForks} seeds with forks)\n`,
    );
  };

  const onMessage = (m: FromWorker): void => {
    if (m.type === 'done') return;
    done++;
    if (m.type === 'ok') {
      entries += m.entries;
      if (m.forks > 0) withForks++;
    } else {
      failures.push(m);
      process.stdout.write(`\nFAIL seed ${m.seed} (${m.config})\n  ${m.message.split('\n').join('\n  ')}\n  repeat: ${reproCommand(m.seed, args.overrides)}\n\n`);
    }
    progress();
  };

  if (jobs === 1) {
    await work({ seeds, overrides: args.overrides }, onMessage);
  } else {
    await Promise.all(
      Array.from({ length: jobs }, (_, k) => {
        const input: WorkerInput = { seeds: seeds.filter((_, i) => i % jobs === k), overrides: args.overrides };
        return new Promise<void>((resolve, reject) => {
          // The worker runs this same .ts file, so it registers tsx's loader first (workers do not inherit it).
          const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
          const w = new Worker(boot, { eval: true, workerData: input });
          w.on('message', (m: FromWorker) => {
            onMessage(m);
            if (m.type === 'done') void w.terminate().then(() => resolve());
          });
          w.on('error', reject);
          w.on('exit', (code) => (code === 0 || code === 1 ? resolve() : reject(new Error(`worker exited with ${code}`))));
        });
      }),
    );
  }

  progress(true);
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  if (failures.length === 0) {
    process.stdout.write(`all ${seeds.length} seeds passed in ${secs} s\n`);
    return;
  }
  failures.sort((a, b) => a.seed - b.seed);
  process.stdout.write(`\n${failures.length} of ${seeds.length} seeds FAILED in ${secs} s. Repeat with:\n`);
  for (const f of failures.slice(0, 20)) process.stdout.write(`  ${reproCommand(f.seed, args.overrides)}\n`);
  if (failures.length > 20) process.stdout.write(`  ... and ${failures.length - 20} more\n`);
  if (overridden) process.stdout.write(`(the vitest suite, ${SIM_TEST_FILE}, runs each seed's own configuration, without overrides)\n`);
  process.exitCode = 1;
}

if (isMainThread) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
} else {
  void work(workerData as WorkerInput, (m) => parentPort!.postMessage(m));
}
