/**
 * The cheat lab's operations (src/worker/cheats.ts) are real, and every honest book refuses or
 * exposes them: a student's engine cheats, the teacher's engine receives what the cheat publishes.
 * forge → refused (`signature`); backdate → rejected (`time`); fork → fork proof; alter → the
 * cheater's audit names the record, the teacher's book is untouched, repair from the teacher's copy
 * restores it; debt → the loan is pending in the victim's inbox until they confirm.
 */
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { BookEngine } from '../../src/worker/engine.js';
import { runCheat } from '../../src/worker/cheats.js';
import { platform } from './platform.js';

describe('cheat lab', () => {
  async function classroom() {
    const teacher = new BookEngine({ store: new MemoryStore(), ...platform(11) });
    const student = new BookEngine({ store: new MemoryStore(), ...platform(12) });
    const t = (await teacher.createIdentity('Teacher')).publicKey;
    const s = (await student.createIdentity('Student')).publicKey;
    const meta = await teacher.createBook({ name: 'Class', units: [{ code: 'pts', decimals: 0 }], join: 'open' });
    await teacher.updateBook(meta.id, { classroom: true });
    await student.addBook({ id: meta.id, name: '', me: s, addedAt: 0, ownHeadKnown: true, classroom: true });
    await student.ingest(meta.id, await teacher.allEntries(meta.id), 'peer');
    const join = await student.append(meta.id, 'member/join', { name: 'Student' });
    const note = await student.append(meta.id, 'note', { text: 'I have 5 points' });
    await teacher.ingest(meta.id, [join.bytes, note.bytes], 'peer');
    return { teacher, student, book: meta.id, t, s };
  }
  const now = 1_900_000_000_000;

  test('no cheat runs in a book that is not a class book', async () => {
    const { teacher, book } = await classroom();
    const plain = await teacher.createBook({ name: 'Village', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
    await expect(runCheat(teacher, plain.id, 'fork', now)).rejects.toThrow(/only in a class book/);
    // Marked as a class book (say, by a crafted class link) but a real book's unit: still refused.
    await teacher.updateBook(plain.id, { classroom: true });
    await expect(runCheat(teacher, plain.id, 'fork', now)).rejects.toThrow(/only in a class book/);
    expect(await teacher.forks(plain.id)).toEqual([]);
    expect((await runCheat(teacher, book, 'fork', now)).publish).toHaveLength(2);
  });

  test('forge: an entry claiming the teacher\'s key, signed by the student, is refused for its signature', async () => {
    const { teacher, student, book, t } = await classroom();
    const before = await teacher.digest(book);
    const r = await runCheat(student, book, 'forge', now, t);
    const rep = await teacher.ingest(book, r.publish, 'peer');
    expect(rep.rejected.map((x) => x.reason)).toEqual(['signature']);
    expect(await teacher.digest(book)).toEqual(before);
  });

  test('backdate: an entry dated before the previous one is rejected with reason time', async () => {
    const { teacher, student, book } = await classroom();
    const r = await runCheat(student, book, 'backdate', now);
    await teacher.ingest(book, r.publish, 'peer');
    const refused = (await teacher.rejected(book)).find((x) => x.id === r.ids[0]);
    expect(refused?.reason).toBe('time');
  });

  test('replay: an entry signed for another book is refused for its book', async () => {
    const { teacher, student, book } = await classroom();
    const before = await teacher.digest(book);
    const r = await runCheat(student, book, 'replay', now);
    await teacher.ingest(book, r.publish, 'peer');
    expect((await teacher.rejected(book)).find((x) => x.id === r.ids[0])?.reason).toBe('book');
    expect((await teacher.digest(book)).valid).toBe(before.valid);
  });

  test('replay: with yesterday\'s lesson on the device, its real entry is the one sent', async () => {
    const { teacher, student, book, s } = await classroom();
    const real = await student.createBook({ name: 'Family money', units: [{ code: 'CNY', decimals: 2 }], join: 'open' });
    await student.append(real.id, 'note', { text: 'SECRET: I owe the moneylender 5000 yuan' });
    const yesterday = await student.createBook({ name: 'Yesterday', units: [{ code: 'pts', decimals: 0 }], join: 'open' });
    expect((await runCheat(student, book, 'replay', now)).ids).not.toEqual([(await student.book(real.id)).chainTip(s)!.idHex]);
    await student.updateBook(yesterday.id, { classroom: true });
    const r = await runCheat(student, book, 'replay', now);
    expect(r.ids).toEqual([(await student.book(yesterday.id)).chainTip(s)!.idHex]);
    await teacher.ingest(book, r.publish, 'peer');
    expect((await teacher.rejected(book)).find((x) => x.id === r.ids[0])?.reason).toBe('book');
  });

  test('fork: two entries at one place in the chain leave a fork proof', async () => {
    const { teacher, student, book, s } = await classroom();
    const r = await runCheat(student, book, 'fork', now);
    expect(r.publish).toHaveLength(2);
    await teacher.ingest(book, r.publish, 'peer');
    const forks = await teacher.forks(book);
    expect(forks).toHaveLength(1);
    expect(forks[0]!.author).toBe(s);
    expect([...forks[0]!.ids].sort()).toEqual([...r.ids].sort());
  });

  test('alter: the cheater\'s audit names the record, the teacher\'s copy repairs it', async () => {
    const { teacher, student, book } = await classroom();
    const good = await teacher.digest(book);
    const r = await runCheat(student, book, 'alter', now);
    expect(r.publish).toEqual([]);
    const audit = await student.audit(book);
    expect(audit.ok).toBe(false);
    expect(audit.findings.map((f) => f.id)).toContain(r.ids[0]);
    expect((await teacher.audit(book)).ok).toBe(true);
    const [copy] = await teacher.entryBytes(book, [r.ids[0]!]);
    const fixed = await student.repair(book, r.ids[0]!, copy!);
    expect(fixed.ok).toBe(true);
    expect((await student.audit(book)).ok).toBe(true);
    expect(await student.digest(book)).toEqual(good);
  });

  test('debt: a loan on another member without their signature waits in their inbox', async () => {
    const { teacher, student, book, t } = await classroom();
    const r = await runCheat(student, book, 'debt', now, t);
    await teacher.ingest(book, r.publish, 'peer');
    const home = await teacher.homeView(book, t, now);
    expect(home.inbox.map((x) => x.id)).toEqual(r.ids);
    expect(home.inbox[0]!.status).toBe('pending');
  });
  test('the projector\'s view of the teacher\'s book lists each cheat\'s outcome, newest first, and the chain strip', async () => {
    const { teacher, student, book, t, s } = await classroom();
    for (const [kind, victim] of [['forge', t], ['replay', undefined], ['debt', t], ['backdate', undefined], ['fork', undefined]] as const) {
      const r = await runCheat(student, book, kind, now, victim);
      await teacher.ingest(book, r.publish, 'peer');
    }
    const r2 = await runCheat(student, book, 'forge', now + 1, t);
    await teacher.ingest(book, r2.publish, 'peer');
    await teacher.ingest(book, r2.publish, 'peer'); // the same forged input again: one event
    const view = await teacher.classroom(book, s);
    expect(view.events.filter((e) => e.type === 'refused' && e.id === r2.ids[0])).toHaveLength(1);
    const types = view.events.map((e) => (e.type === 'refused' || e.type === 'rejected' ? `${e.type}:${e.reason}` : e.type));
    expect(types).toEqual(expect.arrayContaining(['refused:signature', 'rejected:book', 'rejected:time', 'fork', 'pending']));
    const fork = view.events.find((e) => e.type === 'fork');
    expect(fork?.type === 'fork' && [...fork.texts].sort()).toEqual(['I paid 10 points', 'I paid nothing']);
    const pend = view.events.find((e) => e.type === 'pending');
    expect(pend?.type === 'pending' && pend.waitingFor).toEqual(['Teacher']);
    // The student's chain, oldest first: join, note, then what the cheats signed (the fork's two at one seq).
    expect(view.chain.slice(0, 2).map((b) => [b.seq, b.kind])).toEqual([[1, 'member/join'], [2, 'note']]);
    expect(view.chain[0]!.prev).toBeNull();
    expect(view.chain[1]!.prev).toBe(view.chain[0]!.id);
    expect(view.chain.every((b, i) => i === 0 || b.seq >= view.chain[i - 1]!.seq)).toBe(true);
    expect((await teacher.classroom(book, null)).chain).toEqual([]);
  });
});
