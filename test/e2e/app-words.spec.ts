/**
 * Issue 16: the sentences a villager reads, exactly, at each step, on phones (360 × 740), with the
 * production build and the real signaling server. Three villagers in English and one in Chinese:
 * a loan asked as a sentence and signed after a second question, a dispute with who, what, when
 * and what next, a reversal pending then done, settle-up with "you", the online label, the invite
 * screen at 127.0.0.1 with the LAN addresses, Copy without a clipboard. Then the longest allowed
 * names (60 Latin and 60 Chinese characters) at 360 px: two admitted at once, named both; names
 * cut with an ellipsis in lists and whole on the members page; buttons keep their whole label.
 */
import { networkInterfaces } from 'node:os';
import { expect, test, type Page } from '@playwright/test';
import { confirmInbox, converge, createBook, join, threeVillagers, villager } from './screens.js';

async function record(page: Page, book: string, kind: string, fill: (page: Page) => Promise<void>): Promise<string> {
  await page.goto(`/#/b/${book}/record/${encodeURIComponent(kind)}`);
  await fill(page);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('saved')).toBeVisible({ timeout: 15_000 });
  const link = (await page.getByTestId('saved-link').getAttribute('href')) ?? '';
  return link.slice(link.lastIndexOf('/') + 1);
}

/** Today as the screens say it ("4 December" / "12月4日"), in the page's own time zone. */
const today = (page: Page, locale: string) => page.evaluate((l) => new Intl.DateTimeFormat(l, { day: 'numeric', month: 'long' }).format(Date.now()), locale);

test('what three villagers read, in English and in Chinese', async ({ browser, baseURL }) => {
  test.setTimeout(300_000);
  const { book, zhang, li, wang } = await threeVillagers(browser, baseURL!, 'Willow Creek');
  const day = await today(li, 'en');

  // The header says how many are online in words.
  await zhang.goto(`/#/b/${book}`);
  await expect(zhang.getByTestId('online')).toHaveText('2 online', { timeout: 30_000 });

  // A loan is asked as a sentence; signing what lowers my balance asks once more.
  await record(zhang, book, 'loan', async (p) => {
    await p.getByLabel('Borrower').selectOption({ label: 'Li Si' });
    await p.getByLabel('Amount (CNY)').fill('500');
    await p.getByLabel('Note (optional)').fill('seed money');
  });
  await li.goto(`/#/b/${book}`);
  const item = li.getByTestId('inbox-item');
  await expect(item.getByTestId('claim')).toHaveText(
    `Zhang San says they lent you 500.00 CNY on ${day}. Note: “seed money”. Signing it lowers your balance by 500.00 CNY. Sign if this is true.`,
    { timeout: 30_000 },
  );
  await item.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(item.getByTestId('confirm-ask').locator('p')).toHaveText('Are you sure? Your balance goes down by 500.00 CNY.');
  await item.getByTestId('confirm-sure').click();
  await expect(li.getByTestId('said-inbox')).toHaveText('Signed. It counts once everyone it waits for has signed.');
  await expect(li.getByTestId('inbox-item')).toHaveCount(0);
  // Feedback goes with the screen: moving on clears it, and it does not come back.
  await li.getByRole('link', { name: 'Journal', exact: true }).click();
  await expect(li.getByRole('heading', { level: 2 })).toHaveText('Journal');
  await li.getByRole('link', { name: 'Home', exact: true }).click();
  await expect(li.getByTestId('said-inbox')).toHaveText('');

  // Settle-up with "you", the balance table with me first, then by name.
  await expect(li.getByTestId('settle')).toHaveText(/You pay Zhang San\s*500\.00 CNY/, { timeout: 30_000 });
  await zhang.goto(`/#/b/${book}`);
  await expect(zhang.getByTestId('settle')).toHaveText(/Li Si pays you\s*500\.00 CNY/, { timeout: 30_000 });
  await wang.goto(`/#/b/${book}`);
  await expect(wang.locator('[data-testid=balances] tbody th')).toHaveText(['Wang Wu (you)', 'Li Si', 'Zhang San']);
  await expect(zhang.locator('[data-testid=balances] tbody th')).toHaveText(['Zhang San (you)', 'Li Si', 'Wang Wu']);

  // A dispute: who claimed what, who disputed it, when, and what happens next.
  await record(wang, book, 'loan', async (p) => {
    await p.getByLabel('Borrower').selectOption({ label: 'Li Si' });
    await p.getByLabel('Amount (CNY)').fill('80');
  });
  await li.goto(`/#/b/${book}`);
  await expect(li.getByTestId('inbox-item').getByTestId('claim')).toHaveText(
    `Wang Wu says they lent you 80.00 CNY on ${day}. Signing it lowers your balance by 80.00 CNY. Sign if this is true.`,
    { timeout: 30_000 },
  );
  await li.getByRole('button', { name: 'Dispute' }).click();
  await li.getByLabel('What is wrong?').fill('I never borrowed from Wang Wu');
  await li.getByRole('button', { name: 'Send dispute' }).click();
  await expect(li.getByTestId('said-inbox')).toHaveText('Your dispute is recorded. The entry does not count until it is settled.');
  await zhang.goto(`/#/b/${book}`);
  const disputed = zhang.getByTestId('disputed-item');
  await expect(disputed.locator('p')).toHaveText(
    [
      `“Loan” recorded by Wang Wu on ${day}. Amount: 80.00 CNY.`,
      `Disputed by Li Si on ${day}: “I never borrowed from Wang Wu”`,
      'Next: it does not count in the balances until it is confirmed by Li Si (which withdraws the dispute), or reversed by Wang Wu or another party.',
    ],
    { timeout: 30_000 },
  );

  // A reversal waits for the one it lowers, and says so; then the entry no longer counts.
  const loan = (await zhang.getByRole('link', { name: 'you → Li Si' }).getAttribute('href'))!.split('/').pop()!;
  await li.goto(`/#/b/${book}/e/${loan}`);
  await li.getByRole('button', { name: 'Reverse…' }).click();
  await li.getByTestId('entry-reason').fill('Paid back in cash');
  await li.getByRole('button', { name: 'Send the reversal' }).click();
  await expect(li.getByTestId('said-entry')).toHaveText('Your reversal is recorded.');
  await expect(li.getByTestId('reversal-pending')).toHaveText('Reversal pending: you asked to take this entry out. Still to sign: Zhang San. Until then, it still counts in the balances.', {
    timeout: 15_000,
  });
  await zhang.goto(`/#/b/${book}`);
  await expect(zhang.getByTestId('inbox-item').getByTestId('claim')).toContainText(`Li Si recorded “Reversal” on ${day}.`, { timeout: 30_000 });
  await confirmInbox(zhang, book, 1);
  await li.goto(`/#/b/${book}/e/${loan}`);
  await expect(li.getByTestId('entry-state')).toContainText(`Reversed by you on ${day}: it no longer counts in the balances.`, { timeout: 30_000 });
  await expect(li.getByTestId('entry-badge')).toHaveText('reversed');

  // The invite screen at 127.0.0.1: phones cannot open it; how to serve the network, and where.
  await zhang.goto(`/#/b/${book}/invite`);
  const host = new URL(baseURL!).host;
  const local = zhang.getByTestId('invite-local');
  await expect(local.locator('p').first()).toHaveText(`This computer is serving the app on ${host}, an address only this computer can open: phones cannot.`);
  await expect(local.locator('pre')).toHaveText('npm start -- --lan');
  const port = new URL(baseURL!).port;
  const lan = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && a.family === 'IPv4')
    .map((a) => `http://${a!.address}:${port}/`)
    .sort();
  if (lan.length > 0) await expect(zhang.getByTestId('lan-urls').locator('li')).toHaveText(lan);
  else await expect(local).toContainText('This computer has no network address that phones could reach');
  // Copy with no clipboard API (a plain-http page on the LAN): the link is selected and we say how to copy.
  await zhang.evaluate(() => Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true }));
  await zhang.getByTestId('copy').click();
  await expect(zhang.getByTestId('copy-said')).toHaveText('The text is selected: copy it with Ctrl+C (on a phone: press and hold it, then choose Copy).');
  const selected = await zhang.getByTestId('invite-link').evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd, el.value.length, document.activeElement === el]);
  expect(selected).toEqual([0, selected[2], selected[2], true]);

  // In Chinese: the same request in Chinese words, the second question, the feedback.
  await wang.goto('/#/settings');
  await wang.getByTestId('language').selectOption('zh-CN');
  await record(zhang, book, 'loan', async (p) => {
    await p.getByLabel('Borrower').selectOption({ label: 'Wang Wu' });
    await p.getByLabel('Amount (CNY)').fill('100');
    await p.getByLabel('Note (optional)').fill('买种子');
  });
  const zhDay = await today(wang, 'zh-CN');
  await wang.goto(`/#/b/${book}`);
  await expect(wang.getByTestId('online')).toHaveText('2 人在线', { timeout: 30_000 });
  const zhItem = wang.getByTestId('inbox-item');
  await expect(zhItem.getByTestId('claim')).toHaveText(`Zhang San说自己在${zhDay}借给你 100.00 CNY。备注：“买种子”。签名后，你的余额减少 100.00 CNY。如果属实，请签名。`, { timeout: 30_000 });
  await zhItem.getByRole('button', { name: '签名', exact: true }).click();
  await expect(zhItem.getByTestId('confirm-ask').locator('p')).toHaveText('确定吗？你的余额会减少 100.00 CNY。');
  await zhItem.getByRole('button', { name: '确定，签名' }).click();
  await expect(wang.getByTestId('said-inbox')).toHaveText('已签名。等所有需要签名的人都签了，它就生效。');
  await expect(wang.getByTestId('settle')).toContainText('你 付给 Zhang San', { timeout: 30_000 });
  await converge([zhang, li, wang], book);
});

test('the longest names at 360 px: cut in lists, whole on the members page, buttons whole; both admitted named', async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const latin = 'Maximiliana Wilhelmina Theodora Anastasia von Hohenzollern-S'; // 60 characters
  const chinese = '欧阳'.padEnd(60, '慧敏思远明德'); // 60 characters
  expect([[...latin].length, [...chinese].length]).toEqual([60, 60]);
  const zhang = await villager(browser, baseURL!, 'Zhang San');
  const { book, invite } = await createBook(zhang, 'Willow Creek', true);
  const a = await villager(browser, baseURL!, latin, invite);
  await join(a, invite, 'requested');
  const b = await villager(browser, baseURL!, chinese, invite);
  await join(b, invite, 'requested');

  await zhang.goto(`/#/b/${book}/members`);
  await expect(zhang.getByTestId('admit')).toHaveCount(2, { timeout: 30_000 });
  await expectFits(zhang, 'members with two requests');
  // The requester's name is cut with an ellipsis, the Admit button keeps its label on one line.
  for (const row of await zhang.getByTestId('requests').locator('li').all()) {
    const m = await row.evaluate((li) => {
      const name = li.querySelector<HTMLElement>('.name')!;
      const button = li.querySelector<HTMLElement>('button')!;
      return { ellipsis: getComputedStyle(name).textOverflow, cut: name.scrollWidth > name.clientWidth, buttonFits: button.scrollWidth <= button.clientWidth + 1, buttonHeight: button.getBoundingClientRect().height };
    });
    expect(m).toEqual({ ellipsis: 'ellipsis', cut: true, buttonFits: true, buttonHeight: m.buttonHeight });
    expect(m.buttonHeight).toBeLessThan(50);
  }
  const order = await zhang.getByTestId('requests').locator('li .name').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
  await zhang.getByTestId('admit').first().click();
  await expect(zhang.getByTestId('admit')).toHaveCount(1, { timeout: 15_000 });
  await zhang.getByTestId('admit').first().click();
  await expect(zhang.getByTestId('said-members')).toHaveText(`Admitted to the book: ${order[0]} and ${order[1]}.`, { timeout: 15_000 });
  expect([...order].sort()).toEqual([latin, chinese].sort());
  // On the members page the names are whole (wrapped, not cut).
  await expect(zhang.getByTestId('member-name')).toHaveText(['Zhang San (you)', chinese, latin].sort((x, y) => (x.startsWith('Zhang') ? -1 : y.startsWith('Zhang') ? 1 : new Intl.Collator('en').compare(x, y))), {
    timeout: 30_000,
  });
  for (const n of await zhang.getByTestId('member-name').all()) expect(await n.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  await expectFits(zhang, 'members after admission');
  // Right after the admission, no warning about missing entries on the main screen.
  for (const r of await zhang.getByTestId('relation').all()) expect(await r.getAttribute('class')).not.toContain('warn');

  // Home: the balance table cuts the long names; nothing scrolls sideways, in both languages.
  await zhang.goto(`/#/b/${book}`);
  await expect(zhang.locator('[data-testid=balances] tbody th')).toHaveCount(3, { timeout: 30_000 });
  for (const th of await zhang.locator('[data-testid=balances] tbody th .name').all()) {
    const full = await th.getAttribute('title');
    if (full === latin || full === chinese) expect(await th.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  }
  await expectFits(zhang, 'home');
  await zhang.evaluate(() => localStorage.setItem('village-ledger:locale', 'zh-CN'));
  await zhang.reload();
  for (const hash of [`#/b/${book}`, `#/b/${book}/members`, `#/b/${book}/journal`]) {
    await zhang.goto(`/${hash}`);
    await expect(zhang.locator('main h2').first()).toBeVisible();
    await zhang.waitForTimeout(300);
    await expectFits(zhang, `${hash} in Chinese`);
  }
  await a.goto(`/#/b/${book}`);
  await expect(a.locator('h1')).toContainText('Willow Creek', { timeout: 30_000 });
  await expectFits(a, 'home of the member with the long Latin name');
});

/** Nothing scrolls sideways, and no button is narrower than its label. */
async function expectFits(page: Page, label: string): Promise<void> {
  const bad = await page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth) out.push(`page ${document.documentElement.scrollWidth}px wide`);
    for (const el of document.querySelectorAll<HTMLElement>('button, .button')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1) out.push(`button "${(el.textContent ?? '').trim()}" squeezed (${el.clientWidth} < ${el.scrollWidth})`);
      if (r.right > window.innerWidth + 1) out.push(`button "${(el.textContent ?? '').trim()}" off screen`);
    }
    return out;
  });
  expect(bad, label).toEqual([]);
}
