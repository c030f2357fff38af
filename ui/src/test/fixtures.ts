/** Wire answers as the desk gives them, for tests. */
import type { AuditEntry, Card, Case, CustomerView, DeskInfo, SearchResults, StaffProfile, VirtualCard } from '../lib/api/wire';

export const demoInfo: DeskInfo = { mode: 'offline', version: '9.8.7', server_url: null, demo: true, demo_hint: '0008' };

export const alice: StaffProfile = {
  username: 'alice',
  display_name: 'Alice Agent',
  role: 'agent',
  expires_at: '2030-01-01T08:00:00Z',
};

const allowed = { allowed: true, credentials: ['id_number', 'transaction_password'] as const, supervisor_approval: false };

export const pinCard: Card = {
  id: 11,
  masked_number: '622202******4321',
  product: 'Debit Classic',
  status: 'frozen',
  freeze_reason: 'wrong_pin_limit',
  frozen_since: '2024-05-01T06:00:00Z',
  remote_unfreeze: { ...allowed, credentials: [...allowed.credentials] },
};

export const courtCard: Card = {
  id: 12,
  masked_number: '622202******9876',
  product: 'Credit Gold',
  status: 'frozen',
  freeze_reason: 'court_order',
  frozen_since: '2024-04-01T06:00:00Z',
  remote_unfreeze: { allowed: false, credentials: [], supervisor_approval: false },
};

export const lostCard: Card = {
  id: 13,
  masked_number: '622202******5555',
  product: 'Debit Classic',
  status: 'lost',
  freeze_reason: null,
  frozen_since: null,
  remote_unfreeze: null,
};

export function customerView(
  cards: Card[] = [pinCard, courtCard, lostCard],
  openCases: Case[] = [],
  virtualCards: VirtualCard[] = [],
): CustomerView {
  return {
    customer: {
      id: 7,
      name: 'Zhang Wei',
      document_kind: 'resident_id',
      document_masked: '110101********123X',
      phone_masked: '138****4321',
      language: 'zh-CN',
      cards,
    },
    open_cases: openCases,
    virtual_cards: virtualCards,
  };
}

export function results(view: CustomerView = customerView()): SearchResults {
  return { hits: [{ matched_by: 'card_last_four', customer: view.customer, open_cases: [...view.open_cases] }], truncated: false };
}

export function caseOf(state: Case['state'], overrides: Partial<Case> = {}): Case {
  return {
    id: 31,
    card_id: 11,
    customer_id: 7,
    reason: 'wrong_pin_limit',
    state,
    failed_attempts: 0,
    attempts_left: 3,
    needs_approval: false,
    credentials: ['id_number', 'transaction_password'],
    opened_by: 'agent:alice',
    assigned_to: 'agent:alice',
    opened_at: '2024-05-01T07:00:00Z',
    updated_at: '2024-05-01T07:00:00Z',
    expires_at: '2024-05-01T07:15:00Z',
    ...overrides,
  };
}

export function entry(seq: number, action: string, outcome: AuditEntry['outcome'] = 'success'): AuditEntry {
  return {
    seq,
    at: '2024-05-01T07:00:00Z',
    actor: 'agent:alice',
    action,
    object: 'case:31',
    origin: 'console',
    outcome,
    detail: '',
  };
}

export const preview = {
  language: 'zh-CN',
  text: '您的卡 4321 … 验证码 •••••-•••••',
  voice: '您好，验证码 •••••-•••••',
  credentials: ['id_number', 'transaction_password'],
  lifetime_minutes: 15,
};
