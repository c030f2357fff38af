import { describe, expect, it } from 'vitest';

import {
  APPLICATION_STATES,
  AUTH_ROUTES,
  CARD_STATUSES,
  CASE_STATES,
  CHECKLIST_ITEMS,
  CREDENTIALS,
  ERROR_CODES,
  FREEZE_REASONS,
  INTERVIEW_STEPS,
  MATCH_KINDS,
  OUTCOMES,
  ROLES,
  UPLOAD_KINDS,
  VERDICT_KINDS,
  VERDICT_REASONS,
} from '../api/wire';
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


describe('wire names in words', () => {
  it('has a message for every name of every wire enum the screens show, in both languages', () => {
    const keys = [
      ...ERROR_CODES.map((c) => `error.${c}`),
      'error.ipc_unavailable',
      'error.bad_response',
      ...CASE_STATES.map((s) => `case_state.${s}`),
      ...CARD_STATUSES.map((s) => `card_status.${s}`),
      ...FREEZE_REASONS.map((r) => `reason.${r}`),
      ...MATCH_KINDS.map((m) => `match.${m}`),
      ...CREDENTIALS.map((c) => `credential.${c}`),
      ...OUTCOMES.map((o) => `outcome.${o}`),
      ...ROLES.map((r) => `role.${r}`),
      ...CHECKLIST_ITEMS.map((i) => `checklist.${i}`),
      ...VERDICT_REASONS.map((r) => `verdict_reason.${r}`),
      ...VERDICT_KINDS.flatMap((v) => [`verdict.${v}`, `verdict.${v}Hint`]),
      ...INTERVIEW_STEPS.map((s) => `interview_step.${s}`),
      ...APPLICATION_STATES.map((s) => `application_state.${s}`),
      ...AUTH_ROUTES.map((r) => `route.${r}`),
      ...UPLOAD_KINDS.map((k) => `upload.${k}`),
      'product.virtual_debit',
      'product.virtual_credit',
    ];
    for (const locale of LOCALES) {
      const i18n = new I18n(locale);
      for (const key of keys) expect(i18n.maybe(key), `${locale} ${key}`).not.toBeNull();
    }
  });
});
