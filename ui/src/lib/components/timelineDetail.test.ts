/** The timeline's details in the agent's language, from the processor's English (as `unfreeze.rs` writes it). */
import { describe, expect, it } from 'vitest';

import { I18n } from '../i18n/index.svelte';
import { timelineDetail } from './timelineDetail';

const zh = new I18n('zh-CN');
const en = new I18n('en');

describe('a timeline entry’s detail', () => {
  it('is said in Chinese for the steps the console knows', () => {
    const cases: [string, string, string][] = [
      ['case.marked', 'card 41 frozen for wrong_pin_limit', '卡 41，冻结原因：密码错误次数超限'],
      ['case.packaged', 'asks id_number + transaction_password', '需核验：证件号码 + 交易密码'],
      ['case.challenged', 'asked transaction_password', '已要求提供：交易密码'],
      ['case.instructed', 'text + voice to *******0008', '通过短信 + 语音提示发送至 *******0008'],
      ['case.verification', 'credentials did not match; attempt 1 of 3', '第 1 次，共 3 次'],
      ['case.locked', 'customer reached 5 failures in 24 h', '客户 24 小时内已失败 5 次'],
      ['card.unfrozen', 'card 41 unfrozen, lifting wrong_pin_limit', '卡 41 已解冻，解除：密码错误次数超限'],
      ['case.requested', 'one-time code accepted', '一次性验证码已接受'],
    ];
    for (const [action, detail, said] of cases) {
      expect(timelineDetail(zh, { action, detail })).toEqual({ text: said, raw: false });
    }
  });

  it('is said in the console’s English too, not the log’s shorthand', () => {
    expect(timelineDetail(en, { action: 'case.packaged', detail: 'asks id_number + transaction_password' })?.text).toBe(
      'Asks for ID number + Transaction password',
    );
    expect(timelineDetail(en, { action: 'case.verification', detail: 'credentials did not match; attempt 2 of 3' })?.text).toBe('Attempt 2 of 3');
  });

  it('stays as written when the console does not know it, and is absent when empty', () => {
    expect(timelineDetail(zh, { action: 'case.cancelled', detail: 'customer hung up' })).toEqual({ text: 'customer hung up', raw: true });
    expect(timelineDetail(zh, { action: 'case.marked', detail: 'a newer wording' })).toEqual({ text: 'a newer wording', raw: true });
    expect(timelineDetail(zh, { action: 'case.marked', detail: '' })).toBeNull();
  });
});
