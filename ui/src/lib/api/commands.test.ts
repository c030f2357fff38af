import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { alice, caseOf, customerView, demoInfo, entry, preview, results } from '../../test/fixtures';
import { emma, issued, liu } from '../../test/interviews';
import { Failure, shell } from '../../test/ipc';
import { desk } from './commands';
import { phone } from './phone';

afterEach(() => clearMocks());

const channels = { text: true, voice: false };

/** Each command: how it is called, the IPC command and arguments it must send, and a valid answer. */
const TABLE: [string, () => Promise<unknown>, string, Record<string, unknown>, unknown][] = [
  ['deskInfo', () => desk.deskInfo(), 'desk_info', {}, demoInfo],
  ['settingsGet', () => desk.settingsGet(), 'settings_get', {}, { mode: 'offline', server_url: null, ca_certificate: null }],
  [
    'settingsSave',
    () => desk.settingsSave({ mode: 'connected', server_url: 'https://s', ca_certificate: '/ca.pem' }),
    'settings_save',
    { settings: { mode: 'connected', server_url: 'https://s', ca_certificate: '/ca.pem' } },
    demoInfo,
  ],
  ['demoStaff', () => desk.demoStaff(), 'demo_staff', {}, [{ username: 'alice', display_name: 'Alice', role: 'agent' }]],
  ['signIn', () => desk.signIn('alice', 'pw'), 'sign_in', { request: { username: 'alice', password: 'pw' } }, alice],
  ['signInDemo', () => desk.signInDemo('alice'), 'sign_in_demo', { username: 'alice' }, alice],
  ['signOut', () => desk.signOut(), 'sign_out', {}, null],
  ['me', () => desk.me(), 'me', {}, alice],
  ['search', () => desk.search({ query: '4321', limit: 20 }), 'search', { request: { query: '4321', limit: 20 } }, results()],
  ['customer', () => desk.customer(7), 'customer', { customerId: 7 }, customerView()],
  ['cardHistory', () => desk.cardHistory(11), 'card_history', { cardId: 11 }, [
    { from: 'active', to: 'frozen', reason: 'wrong_pin_limit', channel: 'system', actor: 'system', at: '2024-05-01T06:00:00Z' },
  ]],
  ['preview', () => desk.preview(11), 'preview', { cardId: 11 }, preview],
  ['mark', () => desk.mark(11), 'mark', { cardId: 11 }, caseOf('marked')],
  ['package', () => desk.package(31), 'package', { caseId: 31 }, caseOf('packaged')],
  ['instruct', () => desk.instruct(31, channels), 'instruct', { caseId: 31, request: channels }, caseOf('instructed')],
  ['sendUnfreeze', () => desk.sendUnfreeze(11, channels), 'send_unfreeze', { cardId: 11, request: channels }, caseOf('instructed')],
  ['resend', () => desk.resend(31, channels), 'resend', { caseId: 31, request: channels }, caseOf('instructed')],
  ['cancel', () => desk.cancel(31, 'caller hung up'), 'cancel', { caseId: 31, request: { reason: 'caller hung up' } }, caseOf('cancelled')],
  ['getCase', () => desk.getCase(31), 'get_case', { caseId: 31 }, caseOf('challenged')],
  ['timeline', () => desk.timeline(31), 'timeline', { caseId: 31 }, [entry(1, 'case.marked')]],
  ['queue', () => desk.queue({ state: 'instructed' }), 'queue', { query: { state: 'instructed' } }, { items: [caseOf('instructed')], next: null }],
  ['approve', () => desk.approve(31), 'approve', { caseId: 31 }, caseOf('approved')],
  ['reject', () => desk.reject(31, 'no'), 'reject', { caseId: 31, request: { reason: 'no' } }, caseOf('rejected')],
  ['reassign', () => desk.reassign(31, 'bob'), 'reassign', { caseId: 31, request: { username: 'bob' } }, caseOf('instructed')],
  ['audit', () => desk.audit({ object: 'case:31' }), 'audit', { query: { object: 'case:31' } }, { items: [entry(1, 'case.marked')], next: 2 }],
  ['verifyAudit', () => desk.verifyAudit(), 'verify_audit', {}, { intact: true, entries: 10, broken_at: null }],
  ['interviews', () => desk.interviews(), 'interviews', {}, [liu, emma]],
  ['claimInterview', () => desk.claimInterview(1), 'claim_interview', { applicationId: 1 }, { ...liu, step: 'claimed', reviewer: 'agent:alice' }],
  [
    'reassignInterview',
    () => desk.reassignInterview(1, 'agent.wang'),
    'reassign_interview',
    { applicationId: 1, request: { username: 'agent.wang' } },
    { ...liu, step: 'claimed', reviewer: 'agent:agent.wang' },
  ],
  [
    'decideInterview',
    () => desk.decideInterview(2, { verdict: 'fail', checklist: ['liveness'], reasons: ['not_live'] }),
    'decide_interview',
    { applicationId: 2, request: { verdict: 'fail', checklist: ['liveness'], reasons: ['not_live'] } },
    { state: 'rejected', step: 'claimed', card: null },
  ],
  ['approveOverride', () => desk.approveOverride(1), 'approve_override', { applicationId: 1 }, issued],
  [
    'declineOverride',
    () => desk.declineOverride(1, ['face_mismatch']),
    'decline_override',
    { applicationId: 1, request: { reasons: ['face_mismatch'] } },
    { state: 'rejected', step: 'awaiting_override', card: null },
  ],
  ['phone.inbox', () => phone.inbox(), 'phone_inbox', {}, [
    { id: 1, case_id: 31, application_id: null, channel: 'text', language: 'en', body: 'code ABCDE-FGHJK', code: 'ABCDE-FGHJK', customer: null },
  ]],
  ['phone.openCode', () => phone.openCode('ABCDE-FGHJK'), 'phone_open_code', { code: 'ABCDE-FGHJK' }, { case_id: 31, card_last_four: '4321' }],
  ['phone.challenge', () => phone.challenge(), 'phone_challenge', {}, {
    case_id: 31, credentials: ['id_number'], document_kind: 'resident_id', attempts_left: 3, card_last_four: '4321', expires_at: '2024-05-01T07:15:00Z',
  }],
  ['phone.verify', () => phone.verify('110101', '123456'), 'phone_verify', { idNumber: '110101', transactionPassword: '123456' }, { outcome: 'unfrozen' }],
  ['phone.openPage', () => phone.openPage(40), 'phone_open_page', { messageId: 40 }, null],
];

describe('the typed desk commands', () => {
  it.each(TABLE)('%s sends its command with the contract’s argument names and takes a valid answer', async (_, run, command, args, answer) => {
    const { calls } = shell({ [command]: answer });
    expect(await run()).toEqual({ ok: true, value: answer });
    expect(calls).toEqual([{ command, args }]);
  });

  it.each(TABLE)('%s refuses an answer of the wrong shape', async (_, run, command) => {
    shell({ [command]: { unexpected: true } });
    const result = (await run()) as { ok: boolean; error?: { code: string } };
    // `sign_out` answers null; anything else is wrong for it too.
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('bad_response');
  });

  it('passes the desk’s `{code, message}` through, and maps unknown codes to internal', async () => {
    const mock = shell({ search: new Failure('invalid_input', 'type 4 digits') });
    expect(await desk.search({ query: '12' })).toEqual({ ok: false, error: { code: 'invalid_input', message: 'type 4 digits' } });
    mock.answers['search'] = new Failure('brand_new_code', 'newer shell');
    expect(await desk.search({ query: '12' })).toEqual({ ok: false, error: { code: 'internal', message: 'newer shell' } });
  });

  it('refuses desk info without its demo hint, or with one of the wrong type', async () => {
    const { demo_hint: _, ...withoutHint } = demoInfo;
    const mock = shell({ desk_info: withoutHint });
    expect((await desk.deskInfo()).ok).toBe(false);
    mock.answers['desk_info'] = { ...demoInfo, demo_hint: 8 };
    expect((await desk.deskInfo()).ok).toBe(false);
    mock.answers['desk_info'] = { ...demoInfo, demo_hint: null };
    expect((await desk.deskInfo()).ok).toBe(true);
  });

  it('refuses a card of an unknown status and an enum in the wrong case', async () => {
    shell({ customer: customerView([{ ...customerView().customer.cards[0]!, status: 'Frozen' as never }]) });
    expect((await desk.customer(7)).ok).toBe(false);
  });

  it('turns the voice prompt’s bytes into a Uint8Array, whether IPC gives a buffer or numbers', async () => {
    const mock = shell({ voice_audio: new Uint8Array([82, 73, 70, 70]).buffer });
    const buffer = await desk.voiceAudio(5);
    expect(buffer.ok && Array.from(buffer.value)).toEqual([82, 73, 70, 70]);
    expect(mock.calls[0]).toEqual({ command: 'voice_audio', args: { messageId: 5 } });
    mock.answers['voice_audio'] = [1, 2, 3];
    const numbers = await desk.voiceAudio(5);
    expect(numbers.ok && Array.from(numbers.value)).toEqual([1, 2, 3]);
    mock.answers['phone_voice_audio'] = [300];
    expect((await phone.voiceAudio(5)).ok).toBe(false);
  });

  it('fetches an upload’s bytes by application and kind, and checks the queue’s enums', async () => {
    const mock = shell({ interview_media: new Uint8Array([255, 216, 255]).buffer });
    const photo = await desk.interviewMedia(1, 'id_front');
    expect(photo.ok && Array.from(photo.value)).toEqual([255, 216, 255]);
    expect(mock.calls[0]).toEqual({ command: 'interview_media', args: { applicationId: 1, kind: 'id_front' } });
    mock.answers['interviews'] = [{ ...liu, step: 'Queued' }];
    expect((await desk.interviews()).ok).toBe(false);
    mock.answers['interviews'] = [{ ...liu, uploads: [{ ...liu.uploads[0], container: 'gif' }] }];
    expect((await desk.interviews()).ok).toBe(false);
    mock.answers['customer'] = { ...customerView(), virtual_cards: [{ ...issued.card, route: 'branch' }] };
    expect((await desk.customer(7)).ok).toBe(false);
  });

  it('says so when there is no Tauri to talk to', async () => {
    clearMocks();
    expect(await desk.deskInfo()).toEqual({
      ok: false,
      error: { code: 'ipc_unavailable', message: 'The console’s Rust side is not available here.' },
    });
  });
});
