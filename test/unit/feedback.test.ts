/** Issue 16 item 2: feedback is a message key (it follows the language), joins names, goes away on its own. */
import { describe, expect, it, vi } from 'vitest';
import { Feedback, SHOW_OK_MS } from '../../src/ui/state/feedback.svelte.js';
import { format } from '../../src/ui/i18n/format.js';
import { MESSAGES } from '../../src/ui/i18n/messages.js';

describe('Feedback', () => {
  it('two admissions in a row name both people, in either language, then the message goes away', () => {
    vi.useFakeTimers();
    try {
      const f = new Feedback();
      f.say('ok', { key: 'members.admittedNames', params: { names: ['Zhang San'] } }, 'members');
      f.say('ok', { key: 'members.admittedNames', params: { names: ['Li Si'] } }, 'members');
      const said = f.in('members')!;
      expect(f.in(null)).toBeNull();
      expect('key' in said.msg && format(MESSAGES.en[said.msg.key], said.msg.params, 'en')).toBe('Admitted to the book: Zhang San and Li Si.');
      expect('key' in said.msg && format(MESSAGES['zh-CN'][said.msg.key], said.msg.params, 'zh-CN')).toBe('已批准Zhang San和Li Si加入。');
      vi.advanceTimersByTime(SHOW_OK_MS - 1);
      expect(f.in('members')).not.toBeNull();
      vi.advanceTimersByTime(1);
      expect(f.current).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('another message replaces it, and clearing (navigation) removes it', () => {
    const f = new Feedback();
    f.say('ok', { key: 'home.signed' }, 'inbox');
    f.say('error', { text: 'refused' }, 'inbox');
    expect(f.in('inbox')?.kind).toBe('error');
    f.clear();
    expect(f.current).toBeNull();
  });
});
