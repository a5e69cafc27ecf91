import { describe, expect, test } from 'vitest';
import { InstallState, type BeforeInstallPromptEvent } from '../../src/ui/state/install.svelte.js';

function offer(outcome: 'accepted' | 'dismissed'): BeforeInstallPromptEvent & { prompted: number } {
  const e = new Event('beforeinstallprompt', { cancelable: true }) as BeforeInstallPromptEvent & { prompted: number };
  e.prompted = 0;
  Object.assign(e, {
    prompt: () => {
      e.prompted++;
      return Promise.resolve();
    },
    userChoice: Promise.resolve({ outcome }),
  });
  return e;
}

describe('InstallState', () => {
  test('keeps the browser offer (no mini-infobar) and uses it once', async () => {
    const target = new EventTarget();
    const s = new InstallState();
    s.listen(target, false);
    expect(s.canInstall).toBe(false);
    expect(await s.install()).toBe('unavailable');
    const e = offer('accepted');
    target.dispatchEvent(e);
    expect(e.defaultPrevented).toBe(true);
    expect(s.canInstall).toBe(true);
    expect(await s.install()).toBe('accepted');
    expect(e.prompted).toBe(1);
    expect(s.canInstall).toBe(false);
    expect(s.installed).toBe(true);
    expect(await s.install()).toBe('unavailable');
  });

  test('dismissed: not installed, and a later offer can be used again', async () => {
    const target = new EventTarget();
    const s = new InstallState();
    s.listen(target, false);
    target.dispatchEvent(offer('dismissed'));
    expect(await s.install()).toBe('dismissed');
    expect(s.installed).toBe(false);
    target.dispatchEvent(offer('accepted'));
    expect(s.canInstall).toBe(true);
  });

  test('appinstalled (from the browser menu) clears the offer; standalone counts as installed', () => {
    const target = new EventTarget();
    const s = new InstallState();
    s.listen(target, false);
    target.dispatchEvent(offer('accepted'));
    target.dispatchEvent(new Event('appinstalled'));
    expect(s.canInstall).toBe(false);
    expect(s.installed).toBe(true);
    const app = new InstallState();
    app.listen(new EventTarget(), true);
    expect(app.installed).toBe(true);
  });
});
