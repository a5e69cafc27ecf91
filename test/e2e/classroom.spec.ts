/**
 * A class in two minutes, on a plain-http LAN name (village.test → 127.0.0.1 by Chromium's host
 * resolver rules: not a secure context, so no crypto.subtle and no service worker, as on a
 * classroom Wi-Fi): the teacher starts a class on the laptop, the students' phones (separate
 * contexts) read the join link from the QR code the laptop shows (decoded with jsQR from the
 * image), join with a name, and the class list shows everyone. The projector view then follows a
 * student's entry to every house (recorded in M of M books, from the copies' presence digests),
 * every house agrees with the teacher's book; axe finds nothing serious on the class screen and
 * the projector, also in Chinese. A student runs the cheat lab (forge, replay, debt, backdate, fork) and
 * the projector explains what every book did with each (and shows the cheater's chain); another
 * changes their stored copy and repairs it from the others; every book still agrees. "New lesson"
 * starts a fresh book.
 *
 *   CLASS_STUDENTS=<n> (default 12) PORT=5801 npx playwright test test/e2e/classroom.spec.ts
 */
import { expect, test, chromium } from '@playwright/test';
import jsQR from 'jsqr';
import { chromiumArgs, findChromium } from '../../scripts/find-chromium.mjs';
import { converge, join, unlock, villager } from './screens.js';
import { expectNoSeriousA11yViolations } from './axe.js';

const STUDENTS = Number(process.env.CLASS_STUDENTS ?? 12);

test.setTimeout(300_000);

test(`a teacher starts a class on http://village.test; ${STUDENTS} students scan its QR code and join; a new lesson starts afresh`, async ({ baseURL }) => {
  const port = new URL(baseURL!).port;
  const base = `http://village.test:${port}`;
  const browser = await chromium.launch({ executablePath: findChromium() ?? undefined, args: [...chromiumArgs, '--host-resolver-rules=MAP village.test 127.0.0.1'] });
  try {
    const teacher = await villager(browser, base, 'Teacher');
    await teacher.setViewportSize({ width: 1280, height: 900 });
    expect(await teacher.evaluate(() => window.isSecureContext)).toBe(false);
    await teacher.goto('/#/');
    await teacher.getByTestId('books-start-class').click();
    await teacher.getByTestId('class-name').fill('Lesson 1: the village book');
    await teacher.getByTestId('class-start').click();
    const img = teacher.getByTestId('class-qr').locator('img');
    await expect(img).toBeVisible({ timeout: 30_000 });
    // Read the QR code the way a phone camera does: from its pixels.
    const shot = await teacher.evaluate(async () => {
      const el = document.querySelector('[data-testid="class-qr"] img') as HTMLImageElement;
      await el.decode();
      const c = document.createElement('canvas');
      c.width = 600;
      c.height = 600;
      const g = c.getContext('2d')!;
      g.fillStyle = '#fff';
      g.fillRect(0, 0, 600, 600);
      g.drawImage(el, 0, 0, 600, 600);
      return Array.from(g.getImageData(0, 0, 600, 600).data);
    });
    const link = jsQR(Uint8ClampedArray.from(shot), 600, 600)?.data ?? null;
    expect(link).not.toBeNull();
    expect(link).toBe(await teacher.getByTestId('class-link').inputValue());
    expect(link!.startsWith(`${base}/#join&`)).toBe(true);
    const book = /book=([0-9a-f]{64})/.exec(link!)![1]!;

    const students = [];
    for (let i = 1; i <= STUDENTS; i++) {
      const p = await villager(browser, base, `Student ${i}`);
      await join(p, link!, 'member');
      students.push(p);
    }
    await expect(teacher.getByTestId('class-list').locator('li')).toHaveCount(STUDENTS + 1, { timeout: 60_000 });
    for (let i = 1; i <= STUDENTS; i++) await expect(teacher.getByTestId('class-list')).toContainText(`Student ${i}`);
    await converge([teacher, ...students], book, 60_000);

    await expectNoSeriousA11yViolations(teacher, 'class screen');

    // The projector follows one student's entry to every house.
    await teacher.getByTestId('class-projector').click();
    await expect(teacher.getByTestId('house')).toHaveCount(STUDENTS + 1, { timeout: 30_000 });
    const w = Math.min(3, STUDENTS);
    const writer = students[w - 1]!;
    await writer.evaluate((b) => (globalThis as unknown as { villageLedger: { syncAppend(b: string, k: string, body: unknown): Promise<unknown> } }).villageLedger.syncAppend(b, 'note', { text: 'I lent Li 5 points' }), book);
    await expect(teacher.getByTestId('projector-counter')).toHaveText(new RegExp(`Student ${w}’s entry \\d+: recorded in ${STUDENTS + 1} of ${STUDENTS + 1} books`), { timeout: 60_000 });
    await expect(teacher.locator('[data-testid="house"][data-holds="true"]')).toHaveCount(STUDENTS + 1, { timeout: 30_000 });
    await expect(teacher.locator('[data-testid="house"][data-agrees="true"]')).toHaveCount(STUDENTS + 1, { timeout: 30_000 });
    await expectNoSeriousA11yViolations(teacher, 'projector');
    await teacher.screenshot({ path: 'docs/screenshots/20-projector.png' });

    // The cheat lab, on student 1's phone (reached from the home screen of a class book): each
    // cheat is signed or done for real, and the projector (the teacher's own copy) says what
    // every book did with it.
    const cheater = students[0]!;
    await cheater.goto(`/#/b/${book}`);
    await cheater.getByTestId('home-lab').click();
    await expectNoSeriousA11yViolations(cheater, 'cheat lab');
    for (const kind of ['forge', 'replay', 'debt', 'backdate', 'fork'] as const) {
      await cheater.getByTestId(`lab-${kind}`).click();
      await expect(cheater.getByTestId('lab-outcome')).toHaveAttribute('data-kind', kind, { timeout: 30_000 });
      await cheater.getByTestId('lab-outcome').screenshot({ path: `docs/screenshots/24-lab-${kind}.png` });
    }
    await cheater.screenshot({ path: 'docs/screenshots/23-lab.png' });
    const events = teacher.getByTestId('projector-events');
    await expect(events.locator('li[data-event="refused"][data-reason="signature"]')).toHaveCount(1, { timeout: 60_000 });
    await expect(events.locator('li[data-event="rejected"][data-reason="time"]')).toContainText('Student 1', { timeout: 60_000 });
    await expect(events.locator('li[data-event="rejected"][data-reason="book"]')).toContainText('signed for another book', { timeout: 60_000 });
    await expect(events.locator('li[data-event="fork"]')).toContainText('“I paid 10 points”', { timeout: 60_000 });
    await expect(events.locator('li[data-event="pending"]')).toContainText('Student 1', { timeout: 60_000 });
    // Student 1's chain on the strip: the join, the loan, then the rejected and the two frozen boxes.
    await teacher.getByTestId('projector-chain-member').selectOption({ label: 'Student 1' });
    const strip = teacher.getByTestId('projector-chain');
    // The backdated entry (the replayed one was signed for another book: it is in no chain of this one).
    await expect(strip.locator('li[data-status="rejected"]')).toHaveCount(1, { timeout: 30_000 });
    await expect(strip.locator('li[data-status="frozen"]')).toHaveCount(2);
    // "Change my copy" on student 2's phone: its own audit names the record; repaired from the others.
    const altered = students[1] ?? students[0]!;
    await altered.goto(`/#/b/${book}/lab`);
    await altered.getByTestId('lab-alter').click();
    await expect(altered.getByTestId('lab-outcome')).toHaveAttribute('data-kind', 'alter', { timeout: 30_000 });
    await altered.getByTestId('lab-outcome').screenshot({ path: 'docs/screenshots/24-lab-alter.png' });
    await altered.getByTestId('lab-repair').click();
    const auditOk = () => altered.evaluate(async (b) => (await (globalThis as unknown as { villageLedger: { call(m: string, a: unknown[]): Promise<{ ok: boolean }> } }).villageLedger.call('audit', [b])).ok, book);
    await expect.poll(auditOk, { timeout: 30_000 }).toBe(true);
    // Every honest book holds the same book as the teacher's (the refusals included).
    await converge([teacher, ...students], book, 60_000);
    await expect(teacher.locator('[data-testid="house"][data-agrees="true"]')).toHaveCount(STUDENTS + 1, { timeout: 30_000 });
    await expectNoSeriousA11yViolations(teacher, 'projector with the cheats');
    await teacher.screenshot({ path: 'docs/screenshots/22-projector-cheats.png', fullPage: true });
    await teacher.evaluate(() => localStorage.setItem('village-ledger:locale', 'zh-CN'));
    await teacher.reload();
    await expect(teacher.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(teacher.getByTestId('projector-counter')).toContainText('等待下一条记录', { timeout: 30_000 });
    await expect(teacher.getByTestId('house')).toHaveCount(STUDENTS + 1, { timeout: 30_000 });
    await expect(teacher.getByTestId('projector-events').locator('li[data-reason="signature"]')).toContainText('原因：签名', { timeout: 30_000 });
    await expectNoSeriousA11yViolations(teacher, 'projector (zh-CN)');
    await teacher.screenshot({ path: 'docs/screenshots/21-projector-zh.png' });
    await teacher.evaluate(() => localStorage.removeItem('village-ledger:locale'));
    await teacher.reload();
    // Plain http: the reload locked the app again, and a new lesson is a signature.
    await unlock(teacher);
    await teacher.goto(`/#/b/${book}/class`);

    // New lesson: a fresh class book, its own QR code, nobody joined yet but the teacher.
    await teacher.getByTestId('class-new-lesson').click();
    await teacher.getByTestId('class-name').fill('Lesson 2');
    await teacher.getByTestId('class-start').click();
    await expect(teacher.getByTestId('class-link')).not.toHaveValue(link!, { timeout: 30_000 });
    expect(await teacher.getByTestId('class-link').inputValue()).not.toContain(book);
    await expect(teacher.getByTestId('class-list').locator('li')).toHaveCount(1);
  } finally {
    await browser.close();
  }
});
