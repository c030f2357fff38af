import { describe, expect, it } from 'vitest';

import { catalogue, detectLocale, I18n, LOCALES } from './index.svelte';

const placeholders = (message: string): string[] => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

describe('i18n', () => {
  it('gives every language the same keys and the same placeholders as English', () => {
    const english = catalogue('en');
    for (const locale of LOCALES) {
      const messages = catalogue(locale);
      expect(Object.keys(messages).sort(), locale).toEqual(Object.keys(english).sort());
      for (const [key, message] of Object.entries(english)) {
        const translated = messages[key as keyof typeof english];
        expect(translated.trim(), `${locale} ${key}`).not.toBe('');
        expect(placeholders(translated), `${locale} ${key}`).toEqual(placeholders(message));
      }
    }
  });

  it('fills placeholders and follows the current language', () => {
    const i18n = new I18n('en');
    expect(i18n.t('status.version', { version: '1.2.3' })).toBe('Version 1.2.3');
    i18n.toggle();
    expect(i18n.locale).toBe('zh-CN');
    expect(i18n.t('status.version', { version: '1.2.3' })).toBe('版本 1.2.3');
    i18n.toggle();
    expect(i18n.locale).toBe('en');
  });

  it('starts in Chinese for a Chinese browser and in English otherwise', () => {
    expect(detectLocale(['zh-CN', 'en'])).toBe('zh-CN');
    expect(detectLocale(['zh'])).toBe('zh-CN');
    expect(detectLocale(['en-GB', 'zh-CN'])).toBe('en');
    expect(detectLocale(['fr-FR', 'zh-CN'])).toBe('zh-CN');
    expect(detectLocale(['fr-FR'])).toBe('en');
    expect(detectLocale([])).toBe('en');
  });
});
