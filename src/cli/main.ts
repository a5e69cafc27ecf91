/**
 * `village-ledger`: the auditor's command line. Runs with Node alone: no browser, no network.
 *
 *   village-ledger verify FILE [--json]   exit 0 all valid, 1 invalid/forked/gaps, 2 unreadable
 */
import { readFileSync } from 'node:fs';
import { BookFileError, decodeBookFile, verifyBookFile, type Book, type VerifyResult } from '../core/index.js';
import { balancesReport, balancesText, bookAt, resolveKey, statementOutput } from './money.js';
import { createNodeSignatureCheck } from '../platform/verify-node.js';

const HELP = `Usage: village-ledger <command> [options]

Commands:
  verify FILE [--json]   Check every entry of a book file (signatures, chains, links, rules, forks).
                         Exit code 0: every entry valid, no gap, no fork; 1: something is wrong;
                         2: FILE is not a readable book file.
  balances FILE [--json] [--at TIME]
                         Balances of every account (positive: is owed; negative: owes), pending and
                         disputed entries, loans, and the settle-up plan. TIME: ISO date or ms.
  statement FILE --member KEY [--csv]
                         One member's (or fund's) statement with running balances. KEY: hex key,
                         a unique prefix of it, or the exact name.
  relay [--port P] [--host H] [--relay-data DIR] [--relay-redis URL] …
                         Run the loudspeaker alone: an always-on blind relay that stores the sealed
                         board values of the rooms it serves (docs/RELAY.md; --help for options).

Options:
  -h, --help             Show this help
`;

/** Runs the command line; returns the exit code. */
export function main(argv: readonly string[]): number | Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === 'verify') return verify(rest);
  if (cmd === 'relay') return import('../server/relay-setup.js').then((m) => m.relayCommand(rest));
  if (cmd === 'balances' || cmd === 'statement') return money(cmd, rest);
  process.stderr.write(`village-ledger: unknown command "${cmd}"\n\n${HELP}`);
  return 2;
}

function verify(args: readonly string[]): number {
  const json = args.includes('--json');
  const files = args.filter((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--json');
  if (files.length !== 1 || unknown.length > 0) {
    process.stderr.write(`village-ledger verify: expected one FILE and optionally --json\n\n${HELP}`);
    return 2;
  }
  const path = files[0]!;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    process.stderr.write(`village-ledger verify: cannot read ${path}: ${(e as Error).message}\n`);
    return 2;
  }
  let result: VerifyResult;
  try {
    const file = decodeBookFile(bytes);
    const progress = !json && process.stderr.isTTY && file.entries.length >= 20_000;
    result = verifyBookFile(file, {
      checkSignature: createNodeSignatureCheck(),
      ...(progress ? { onProgress: (done: number, total: number) => process.stderr.write(`\rchecking ${done}/${total}`), progressEvery: 5000 } : {}),
    });
    if (progress) process.stderr.write('\n');
  } catch (e) {
    if (e instanceof BookFileError) {
      process.stderr.write(`village-ledger verify: ${path}: ${e.message}\n`);
      if (json) process.stdout.write(`${JSON.stringify({ error: e.message })}\n`);
      return 2;
    }
    throw e;
  }
  if (json) process.stdout.write(`${JSON.stringify(result.report)}\n`);
  else process.stdout.write(humanReport(path, result));
  return result.ok ? 0 : 1;
}

function humanReport(path: string, r: VerifyResult): string {
  const { report } = r;
  const lines: string[] = [];
  const name = r.book.info?.name;
  lines.push(`${path}: book ${report.book}${name === undefined ? '' : ` "${name}"`}`);
  lines.push(`  ${report.entries} entries, ${report.valid} valid, ${report.invalid.length} invalid, ${report.forks.length} fork(s), ${report.missing.length} missing`);
  for (const d of r.details) {
    lines.push(`  invalid #${d.index} ${d.id ?? '(no id)'}: ${d.reason}${d.field === '' ? '' : ` (${d.field})`}: ${d.message}`);
  }
  for (const f of report.forks) lines.push(`  fork: author ${f.author} signed two entries at seq ${f.seq}: ${f.ids[0]} and ${f.ids[1]}`);
  for (const m of report.missing) lines.push(`  missing: ${m} is referenced but not in the file`);
  if (r.held > 0 && report.missing.length === 0) lines.push(`  ${r.held} entries wait on entries that are not valid yet`);
  lines.push(r.ok ? 'OK: every entry is valid, no chain has a gap, no author forked.' : 'NOT OK: see above.');
  return `${lines.join('\n')}\n`;
}

function parseArgs(args: readonly string[], flags: readonly string[], options: readonly string[]): { files: string[]; flags: Set<string>; options: Map<string, string> } | string {
  const out = { files: [] as string[], flags: new Set<string>(), options: new Map<string, string>() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (flags.includes(a)) out.flags.add(a);
    else if (options.includes(a)) {
      const v = args[++i];
      if (v === undefined) return `${a} needs a value`;
      out.options.set(a, v);
    } else if (a.startsWith('--')) return `unknown option ${a}`;
    else out.files.push(a);
  }
  return out.files.length === 1 ? out : 'expected one FILE';
}

/** Reads and checks a book file; prints why and returns null when it cannot. */
function loadBook(path: string): Book | null {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    process.stderr.write(`village-ledger: cannot read ${path}: ${(e as Error).message}\n`);
    return null;
  }
  try {
    const r = verifyBookFile(decodeBookFile(bytes), { checkSignature: createNodeSignatureCheck() });
    if (!r.ok) process.stderr.write(`village-ledger: note: ${path} has ${r.report.invalid.length} invalid entries, ${r.report.forks.length} fork(s), ${r.report.missing.length} missing; only valid entries count (see village-ledger verify)\n`);
    return r.book;
  } catch (e) {
    if (e instanceof BookFileError) {
      process.stderr.write(`village-ledger: ${path}: ${e.message}\n`);
      return null;
    }
    throw e;
  }
}

function money(cmd: 'balances' | 'statement', args: readonly string[]): number {
  const parsed = cmd === 'balances' ? parseArgs(args, ['--json'], ['--at']) : parseArgs(args, ['--csv'], ['--member']);
  if (typeof parsed === 'string') {
    process.stderr.write(`village-ledger ${cmd}: ${parsed}\n\n${HELP}`);
    return 2;
  }
  const full = loadBook(parsed.files[0]!);
  if (full === null) return 2;
  if (cmd === 'balances') {
    const atArg = parsed.options.get('--at');
    let at = Date.now();
    if (atArg !== undefined) {
      at = /^\d+$/.test(atArg) ? Number(atArg) : Date.parse(atArg);
      if (!Number.isFinite(at)) {
        process.stderr.write(`village-ledger balances: --at ${atArg} is not a time (use an ISO date like 2026-11-21 or milliseconds)\n`);
        return 2;
      }
    }
    const book = atArg === undefined ? full : bookAt(full, at);
    process.stdout.write(parsed.flags.has('--json') ? `${JSON.stringify(balancesReport(book, at))}\n` : balancesText(book, at));
    return 0;
  }
  const q = parsed.options.get('--member');
  if (q === undefined) {
    process.stderr.write('village-ledger statement: --member KEY is required\n');
    return 2;
  }
  const key = resolveKey(full, q);
  if (key === null) {
    process.stderr.write(`village-ledger statement: no single member or fund matches "${q}"; members: ${full.members().map((m) => `${m.name} (${m.key.slice(0, 8)})`).join(', ')}\n`);
    return 2;
  }
  process.stdout.write(statementOutput(full, key, parsed.flags.has('--csv')));
  return 0;
}
